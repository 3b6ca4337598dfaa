// Helpers for the file connector tests: the shared TempDir, whole-file reads
// and writes, and draining a reader.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/source.h"
#include "core/record_batch.h"
#include "unit/temp_dir.h"

namespace eddy::test {

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline SchemaPtr make_schema(std::vector<Field> fields) {
  return std::make_shared<Schema>(std::move(fields));
}

/// Every row of every batch, concatenated into one batch (schema of `reader`).
struct Drained {
  std::shared_ptr<RecordBatch> rows;
  Status status;
  size_t batches = 0;
};

/// Reads `split` to its end with `reader`, appending its rows to `into`.
inline Status drain_split(SourceReader& reader, const Split& split, BatchBuilder& into,
                          size_t max_rows, size_t* batches = nullptr) {
  EDDY_RETURN_IF_ERROR(reader.open_split(split));
  for (;;) {
    auto polled = reader.poll(max_rows);
    if (!polled.ok()) return polled.status();
    if (polled->kind == SourcePoll::Kind::kEndOfSplit) return Status::ok();
    if (polled->kind == SourcePoll::Kind::kBatch) {
      if (polled->batch->num_rows > max_rows) return Status::internal("batch over max_rows");
      into.append_all(*polled->batch);
      if (batches != nullptr) ++*batches;
    }
  }
}

/// Reads all `splits` in order with `reader`.
inline Drained drain_all(SourceReader& reader, const std::vector<Split>& splits,
                         size_t max_rows = 1024) {
  BatchBuilder b(reader.schema());
  Drained d;
  for (const auto& s : splits) {
    d.status = drain_split(reader, s, b, max_rows, &d.batches);
    if (!d.status.is_ok()) break;
  }
  d.rows = b.finish();
  return d;
}

}  // namespace eddy::test
