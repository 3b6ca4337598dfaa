// File enumeration (listing, cutting large files at record starts) and the
// split reader (1 MiB reads into one buffer that carries a partial record over).
#include "connectors/file_source.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "connectors/csv_format.h"
#include "connectors/jsonl_format.h"

namespace eddy {
namespace {

namespace fs = std::filesystem;

constexpr size_t kReadChunk = 1 << 20;
// A record (line) longer than this is refused instead of buffered without
// bound: most likely the file has no line ends, or is not text at all.
constexpr size_t kMaxRecordBytes = 64 << 20;
constexpr size_t kHeaderChunk = 64 << 10;  // headers are short; every split reads one
constexpr int64_t kToEndOfFile = INT64_MAX;

bool starts_with_bom(const char* d, size_t n) {
  return n >= 3 && static_cast<unsigned char>(d[0]) == 0xEF &&
         static_cast<unsigned char>(d[1]) == 0xBB && static_cast<unsigned char>(d[2]) == 0xBF;
}

std::string errno_text() { return std::strerror(errno); }

/// Closes a FILE* when it goes out of scope.
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FileHandle = std::unique_ptr<std::FILE, FileCloser>;

Result<FileHandle> open_for_reading(const std::string& path) {
  FileHandle f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::io_error("file source: cannot open '" + path + "': " + errno_text());
  std::setvbuf(f.get(), nullptr, _IONBF, 0);  // reads are large; no second copy through stdio
  return f;
}

Split make_split(const std::string& path, int64_t begin, int64_t end, int64_t first_line) {
  Split s;
  s.id = path + ":" + std::to_string(begin) + "-" + std::to_string(end);
  s.path = path;
  s.begin = begin;
  s.end = end;
  s.first_line = first_line;
  return s;
}

class FileEnumerator : public SplitEnumerator {
 public:
  explicit FileEnumerator(FileSourceConfig config) : config_(std::move(config)) {}

  Result<std::vector<Split>> enumerate(int32_t /*parallelism*/) override {
    EDDY_ASSIGN_OR_RETURN(std::vector<std::string> files, list_files());
    std::vector<Split> splits;
    for (const auto& file : files) EDDY_RETURN_IF_ERROR(split_file(file, splits));
    return splits;
  }

 private:
  Result<std::vector<std::string>> list_files() const {
    const fs::path root(config_.path);
    std::error_code ec;
    const fs::file_status st = fs::status(root, ec);
    if (!fs::exists(st))
      return Status::not_found("file source '" + config_.path + "' does not exist");
    if (fs::is_regular_file(st)) return std::vector<std::string>{config_.path};
    if (!fs::is_directory(st))
      return Status::invalid("file source '" + config_.path + "' is neither a file nor a directory");
    std::vector<std::string> files;
    fs::directory_iterator it(root, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;  // hidden
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      files.push_back((root / name).string());
    }
    if (ec)
      return Status::io_error("file source '" + config_.path + "': cannot list: " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
  }

  Status split_file(const std::string& path, std::vector<Split>& out) const {
    std::error_code ec;
    const auto size = static_cast<int64_t>(fs::file_size(path, ec));
    if (ec) return Status::io_error("file source: cannot stat '" + path + "': " + ec.message());
    if (size == 0) return Status::ok();
    if (config_.split_size <= 0 || size <= config_.split_size) {
      out.push_back(make_split(path, 0, size, 1));
      return Status::ok();
    }
    return cut_file(path, size, out);
  }

  // Reads the whole file once: counts lines and cuts at the first record start
  // at least split_size bytes after the previous cut.
  Status cut_file(const std::string& path, int64_t size, std::vector<Split>& out) const {
    EDDY_ASSIGN_OR_RETURN(FileHandle f, open_for_reading(path));
    const bool csv = config_.format == FileFormat::kCsv;
    CsvBoundaryScanner scanner;
    std::vector<char> buf(kReadChunk);
    int64_t base = 0;       // file offset of buf[0]
    int64_t newlines = 0;   // '\n' bytes before the scan position
    int64_t split_begin = 0, split_line = 1;
    for (;;) {
      const size_t got = std::fread(buf.data(), 1, buf.size(), f.get());
      if (got == 0) break;
      const char* d = buf.data();
      size_t i = (base == 0 && starts_with_bom(d, got)) ? 3 : 0;
      while (i < got) {
        size_t end;
        if (csv) {
          end = scanner.next_record_end(d, got, i, newlines);
        } else {
          const void* nl = std::memchr(d + i, '\n', got - i);
          end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - d) + 1
                   : CsvBoundaryScanner::kNone;
          if (nl) ++newlines;
        }
        if (end == CsvBoundaryScanner::kNone) break;
        const int64_t pos = base + static_cast<int64_t>(end);
        if (pos - split_begin >= config_.split_size && pos < size) {
          out.push_back(make_split(path, split_begin, pos, split_line));
          split_begin = pos;
          split_line = 1 + newlines;
        }
        i = end;
      }
      base += static_cast<int64_t>(got);
    }
    if (std::ferror(f.get()))
      return Status::io_error("file source: cannot read '" + path + "': " + errno_text());
    out.push_back(make_split(path, split_begin, std::max(size, base), split_line));
    return Status::ok();
  }

  FileSourceConfig config_;
};

class FileReader : public SourceReader {
 public:
  explicit FileReader(FileSourceConfig config) : config_(std::move(config)) {
    if (!config_.schema) return;  // reported by open_split
    builder_ = std::make_unique<BatchBuilder>(config_.schema);
    if (config_.format == FileFormat::kCsv) {
      auto csv = std::make_unique<CsvParser>(config_.schema, config_.on_error);
      csv_ = csv.get();
      parser_ = std::move(csv);
    } else {
      parser_ = std::make_unique<JsonlParser>(config_.schema, config_.on_error);
    }
  }

  Status open_split(const Split& split) override {
    if (!parser_) return Status::invalid("file source '" + config_.path + "' has no schema");
    active_ = false;
    builder_->truncate_to(0);  // rows of a split that failed midway
    split_ = split;
    EDDY_ASSIGN_OR_RETURN(file_, open_for_reading(split.path));
    parser_->set_origin(split.path, 1);
    if (csv_ != nullptr && config_.header) {
      // Every split maps columns by the file's header; only the one at byte 0
      // skips it. A resumed split (resume_split) starts after the header, so
      // its first record is data.
      EDDY_RETURN_IF_ERROR(start_reading(0, split.begin == 0 ? split.end : kToEndOfFile));
      EDDY_RETURN_IF_ERROR(read_header());
      if (split.begin != 0) EDDY_RETURN_IF_ERROR(start_reading(split.begin, split.end));
    } else {
      EDDY_RETURN_IF_ERROR(start_reading(split.begin, split.end));
    }
    if (split.begin != 0) parser_->set_origin(split.path, split.first_line);
    active_ = true;
    return Status::ok();
  }

  Result<SourcePoll> poll(size_t max_rows) override {
    if (!active_) return SourcePoll::end();
    max_rows = std::max<size_t>(max_rows, 1);
    for (;;) {
      const std::string_view pending(buf_.data() + buf_pos_, buf_.size() - buf_pos_);
      auto used = parser_->parse(pending, eof_, max_rows, *builder_);
      if (!used.ok()) {
        active_ = false;  // on_error: fail; the split cannot go on
        return used.status();
      }
      buf_pos_ += *used;
      if (builder_->num_rows() >= max_rows) return SourcePoll::of(builder_->finish());
      if (buf_.size() - buf_pos_ > kMaxRecordBytes) {
        active_ = false;
        return Status::parse_error(parser_->origin() + ":" + std::to_string(parser_->line()) +
                                   ": a record longer than " + std::to_string(kMaxRecordBytes >> 20) +
                                   " MiB; is this a " + (config_.format == FileFormat::kCsv ? "CSV" : "JSON lines") +
                                   " file with line ends?");
      }
      if (eof_) {  // a final parse consumes everything
        active_ = false;
        file_.reset();
        buf_.clear();
        buf_pos_ = 0;
        if (builder_->empty()) return SourcePoll::end();
        return SourcePoll::of(builder_->finish());
      }
      EDDY_RETURN_IF_ERROR(fill());
    }
  }

  SchemaPtr schema() const override { return config_.schema; }

  // The parser consumes whole records only, and poll() returns every row it
  // parsed, so the unconsumed bytes start at a record the caller has not seen.
  // Records skipped after the last row returned are read (and counted) again.
  Split resume_split() const override {
    Split s = split_;
    const auto unconsumed = static_cast<int64_t>(buf_.size() - buf_pos_);
    s.begin = std::max(split_.begin, offset_ - unconsumed);
    s.first_line = parser_ ? parser_->line() : split_.first_line;
    return s;
  }

  uint64_t skipped_records() const override { return parser_ ? parser_->skipped_records() : 0; }
  bool blocking_io() const override { return true; }

 private:
  // Positions the file at `begin` with an empty buffer; reading stops at `limit`.
  Status start_reading(int64_t begin, int64_t limit) {
    buf_.clear();
    buf_pos_ = 0;
    offset_ = begin;
    limit_ = limit;
    eof_ = begin >= limit;
    if (fseeko(file_.get(), static_cast<off_t>(begin), SEEK_SET) != 0)
      return Status::io_error("file source: cannot seek in '" + parser_->origin() + "': " +
                              errno_text());
    return Status::ok();
  }

  // Reads up to `chunk` more bytes behind the unconsumed ones; a byte order
  // mark at the start of the file is dropped.
  Status fill(size_t chunk = kReadChunk) {
    if (buf_pos_ > 0) {
      buf_.erase(0, buf_pos_);
      buf_pos_ = 0;
    }
    const bool at_file_start = offset_ == 0;
    const auto want =
        static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(chunk), limit_ - offset_));
    const size_t old = buf_.size();
    buf_.resize(old + want);
    const size_t got = std::fread(&buf_[old], 1, want, file_.get());
    buf_.resize(old + got);
    offset_ += static_cast<int64_t>(got);
    if (got < want) {
      if (std::ferror(file_.get()))
        return Status::io_error("file source: cannot read '" + parser_->origin() + "': " +
                                errno_text());
      eof_ = true;  // the file is shorter than the split says (or we read to its end)
    }
    if (offset_ >= limit_) eof_ = true;
    if (at_file_start && starts_with_bom(buf_.data(), buf_.size())) buf_pos_ = 3;
    return Status::ok();
  }

  // Reads records from the start of the file until the header is mapped;
  // leaves the bytes after it in the buffer.
  Status read_header() {
    for (;;) {
      EDDY_RETURN_IF_ERROR(fill(kHeaderChunk));
      size_t used = 0;
      const std::string_view pending(buf_.data() + buf_pos_, buf_.size() - buf_pos_);
      EDDY_ASSIGN_OR_RETURN(bool found, csv_->read_header(pending, eof_, used));
      if (found || eof_) {
        buf_pos_ += used;
        return Status::ok();
      }
    }
  }

  FileSourceConfig config_;
  Split split_;               // the split last opened, as given
  std::unique_ptr<BatchBuilder> builder_;
  std::unique_ptr<TextParser> parser_;
  CsvParser* csv_ = nullptr;  // parser_ when the format is CSV
  FileHandle file_;
  std::string buf_;           // bytes read and not yet consumed start at buf_pos_
  size_t buf_pos_ = 0;
  int64_t offset_ = 0;        // file offset of the byte after buf_'s end
  int64_t limit_ = 0;         // reading stops here (the split end)
  bool eof_ = true;           // every byte up to limit_ is in buf_
  bool active_ = false;       // a split is open and not yet exhausted
};

}  // namespace

std::unique_ptr<SplitEnumerator> make_file_enumerator(const FileSourceConfig& config) {
  return std::make_unique<FileEnumerator>(config);
}

std::unique_ptr<SourceReader> make_file_reader(const FileSourceConfig& config) {
  return std::make_unique<FileReader>(config);
}

}  // namespace eddy
