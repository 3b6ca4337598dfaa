// read_bounded_table: the file source's enumerator and reader, driven to the end.
#include "connectors/bounded_table.h"

#include "connectors/file_source.h"

namespace eddy {

Result<std::vector<RecordBatchPtr>> read_bounded_table(const FileSourceConfig& config, uint64_t* skipped) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Split> splits, make_file_enumerator(config)->enumerate(1));
  std::unique_ptr<SourceReader> reader = make_file_reader(config);
  std::vector<RecordBatchPtr> batches;
  constexpr size_t kRows = 4096;
  for (const Split& split : splits) {
    EDDY_RETURN_IF_ERROR(reader->open_split(split));
    for (;;) {
      EDDY_ASSIGN_OR_RETURN(SourcePoll poll, reader->poll(kRows));
      if (poll.kind == SourcePoll::Kind::kEndOfSplit) break;
      if (poll.kind == SourcePoll::Kind::kBatch && poll.batch && poll.batch->num_rows > 0)
        batches.push_back(std::move(poll.batch));
    }
  }
  if (skipped != nullptr) *skipped = reader->skipped_records();
  return batches;
}

}  // namespace eddy
