// The RocksDB prefix extractor of keyed state: an entry key without its
// namespace, [kg][state id][len][key]. With it RocksDB keeps bloom filters
// per key (in SST files and the memtable), so looking up a key that is not
// stored -- every key a job sees for the first time -- skips the files
// instead of seeking in each of them.
#pragma once

#include <memory>

namespace rocksdb {
class SliceTransform;
}

namespace eddy::rocks_layout {

/// A new extractor; its name ("eddy.KeyPrefix.1") is recorded in SST files.
std::shared_ptr<const rocksdb::SliceTransform> make_key_prefix_extractor();

}  // namespace eddy::rocks_layout
