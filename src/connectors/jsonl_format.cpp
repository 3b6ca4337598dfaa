// JSON Lines formatting into one buffer (the parser is in jsonl_reader.cpp).
#include "connectors/jsonl_format.h"


namespace eddy {

// ---- JsonlWriter -----------------------------------------------------------------

JsonlWriter::JsonlWriter(SchemaPtr schema) : schema_(std::move(schema)) {
  for (size_t c = 0; c < schema_->size(); ++c) {
    std::string prefix(c == 0 ? "{" : ",");
    append_json_string(prefix, schema_->field(c).name);
    prefix.push_back(':');
    key_prefixes_.push_back(std::move(prefix));
  }
}

void JsonlWriter::append_rows(std::string& out, const RecordBatch& batch) {
  const size_t ncols = batch.columns.size();
  for (size_t r = 0; r < batch.num_rows; ++r) {
    if (ncols == 0) out.push_back('{');
    for (size_t c = 0; c < ncols; ++c) {
      out.append(key_prefixes_[c]);
      fmt_.append_json_value(out, batch.columns[c], r);
    }
    out.append("}\n", 2);
  }
}

}  // namespace eddy
