// FileSink: formats batches into one buffer and writes it out once it holds a
// megabyte, so a part file sees few, large writes.
#include "connectors/file_sink.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "connectors/text_writer.h"

namespace eddy {
namespace {

constexpr size_t kWriteBytes = 1 << 20;

class FileSink : public Operator {
 public:
  FileSink(FileSinkConfig config, SchemaPtr input)
      : config_(std::move(config)), input_(std::move(input)), writer_(config_.format, input_) {}
  ~FileSink() override { discard(); }

  Status open(const OperatorContext& ctx) override {
    std::error_code ec;
    std::filesystem::create_directories(config_.path, ec);
    if (ec)
      return Status::io_error("file sink: cannot create directory '" + config_.path + "': " +
                              ec.message());
    path_ = (std::filesystem::path(config_.path) /
             ("part-" + std::to_string(ctx.subtask_index) + writer_.extension()))
                .string();
    discard();
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr)
      return Status::io_error("file sink: cannot create '" + path_ + "': " + std::strerror(errno));
    std::setvbuf(file_, nullptr, _IONBF, 0);  // buf_ is the buffer
    buf_.clear();
    writer_.append_header(buf_);
    return Status::ok();
  }

  Status process(const RecordBatchPtr& batch, Collector&) override {
    if (file_ == nullptr) return Status::internal("file sink: process() before open()");
    EDDY_RETURN_IF_ERROR(writer_.append_rows(buf_, *batch));
    return buf_.size() >= kWriteBytes ? write_buffer() : Status::ok();
  }

  Status finish(Collector&) override {
    if (file_ == nullptr) return Status::ok();
    EDDY_RETURN_IF_ERROR(write_buffer());
    std::FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0)
      return Status::io_error("file sink: cannot close '" + path_ + "': " + std::strerror(errno));
    return Status::ok();
  }

  Status close() override {
    discard();
    return Status::ok();
  }

  SchemaPtr output_schema() const override { return input_; }
  bool blocking_io() const override { return true; }

 private:
  Status write_buffer() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size())
      return Status::io_error("file sink: cannot write '" + path_ + "': " + std::strerror(errno));
    buf_.clear();
    return Status::ok();
  }
  // Cancellation or failure: close without reporting, rows not yet written are dropped.
  void discard() {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }

  FileSinkConfig config_;
  SchemaPtr input_;
  TextWriter writer_;
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buf_;  // formatted rows not yet written
};

}  // namespace

OperatorPtr make_file_sink(const FileSinkConfig& config, SchemaPtr input) {
  return std::make_unique<FileSink>(config, std::move(input));
}

}  // namespace eddy
