#include "state/rocksdb_key_prefix.h"

#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>

#include "state/rocksdb_key_layout.h"

namespace eddy::rocks_layout {
namespace {

class KeyPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "eddy.KeyPrefix.1"; }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - kNamespaceBytes);
  }

  /// Entry keys only: directory keys and anything malformed have no prefix
  /// (and so no filter entry; lookups of them are never in prefix mode).
  bool InDomain(const rocksdb::Slice& key) const override {
    if (key.size() < kFixedBytes) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(key.data());
    if (((p[0] << 8) | p[1]) == kDirectoryPrefix) return false;
    const size_t at = kKeyGroupBytes + kStateIdBytes;
    const size_t len = (size_t{p[at]} << 24) | (size_t{p[at + 1]} << 16) |
                       (size_t{p[at + 2]} << 8) | size_t{p[at + 3]};
    return len == key.size() - kFixedBytes;
  }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> make_key_prefix_extractor() {
  return std::make_shared<KeyPrefix>();
}

}  // namespace eddy::rocks_layout
