// CRC-32 (zlib's) of checkpoint files: what a checkpoint's metadata records for
// every file it references, so a corrupt or truncated file is found before its
// bytes are trusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eddy {

uint32_t crc32_of(std::string_view bytes);

/// CRC-32 and size of a whole file, read in chunks.
struct FileChecksum {
  uint32_t crc = 0;
  int64_t size = 0;
};
Result<FileChecksum> checksum_file(const std::string& path);

}  // namespace eddy
