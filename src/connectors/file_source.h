// The file source (type: file): an enumerator that turns a file or a directory
// into splits, and a reader that parses a split's bytes (CSV or JSONL) into
// batches. The source_coordinator actor hosts the enumerator, a source subtask
// the reader; both do blocking file I/O and return Status, never throw.
#pragma once

#include <memory>

#include "connectors/connector_config.h"
#include "connectors/source.h"

namespace eddy {

/// Splits of `config.path`: a file, or every regular, non-hidden file of a
/// directory (not recursive), in name order; empty files give no split and an
/// empty directory gives none at all. A missing path is an error. A file larger
/// than `config.split_size` is read once and cut into byte ranges of about
/// that size, each starting where a record starts (for CSV, quoted newlines do
/// not count), with the 1-based line number of its first byte.
std::unique_ptr<SplitEnumerator> make_file_enumerator(const FileSourceConfig& config);

/// A reader of file splits. Each split is read with large buffered reads up to
/// exactly its end; only the split at byte 0 skips the CSV header, but every
/// split of a file with a header maps its columns by the header's names. Errors
/// name the split's file and line. A UTF-8 byte order mark at byte 0 is ignored.
/// resume_split() is the split from the first record not yet returned (with its
/// line number): past the header, so reopening it never reads a header again.
std::unique_ptr<SourceReader> make_file_reader(const FileSourceConfig& config);

}  // namespace eddy
