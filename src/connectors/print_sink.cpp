// PrintSink: one formatted buffer, one fwrite, one fflush per batch.
#include "connectors/print_sink.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "connectors/text_writer.h"

namespace eddy {
namespace {

class PrintSink : public Operator {
 public:
  PrintSink(const PrintSinkConfig& config, SchemaPtr input, std::FILE* out)
      : input_(std::move(input)), out_(out), writer_(config.format, input_) {}

  Status process(const RecordBatchPtr& batch, Collector&) override {
    if (batch->num_rows == 0) return Status::ok();
    buf_.clear();
    EDDY_RETURN_IF_ERROR(writer_.append_rows(buf_, *batch));
    if (std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size() || std::fflush(out_) != 0)
      return Status::io_error(std::string("print sink: cannot write: ") + std::strerror(errno));
    return Status::ok();
  }

  Status finish(Collector&) override {
    if (std::fflush(out_) != 0)
      return Status::io_error(std::string("print sink: cannot flush: ") + std::strerror(errno));
    return Status::ok();
  }

  SchemaPtr output_schema() const override { return input_; }
  bool blocking_io() const override { return true; }

 private:
  SchemaPtr input_;
  std::FILE* out_;
  TextWriter writer_;
  std::string buf_;  // reused for every batch
};

}  // namespace

OperatorPtr make_print_sink(const PrintSinkConfig& config, SchemaPtr input, std::FILE* out) {
  return std::make_unique<PrintSink>(config, std::move(input), out);
}

}  // namespace eddy
