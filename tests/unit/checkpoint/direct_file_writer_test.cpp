#include "checkpoint/direct_file_writer.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint/durable_file.h"
#include "temp_dir.h"

namespace eddy {
namespace {

std::string pattern_bytes(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

/// Writes `bytes` in pieces of the given sizes (cycled) through a writer on
/// `path`, fsyncs, and returns whether the writer was still direct before finish.
bool write_in_pieces(const std::string& path, const std::string& bytes, const std::vector<size_t>& sizes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  bool direct = false;
  {
    DirectFileWriter out(fd, path);
    size_t at = 0;
    for (size_t i = 0; at < bytes.size(); ++i) {
      const size_t n = std::min(sizes[i % sizes.size()], bytes.size() - at);
      REQUIRE(out.append(std::string_view(bytes).substr(at, n)).is_ok());
      at += n;
    }
    direct = out.direct();
    REQUIRE(out.finish().is_ok());
  }
  REQUIRE(::fsync(fd) == 0);
  REQUIRE(::close(fd) == 0);
  return direct;
}

/// Whether the file system under `dir` takes O_DIRECT opens.
bool takes_direct_io(const std::string& dir) {
  const std::string probe = dir + "/.probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

/// How many of the file's pages are in the page cache.
size_t resident_pages(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  struct stat sb {};
  REQUIRE(::fstat(fd, &sb) == 0);
  const size_t size = static_cast<size_t>(sb.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  REQUIRE(map != MAP_FAILED);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in_core((size + page - 1) / page);
  REQUIRE(::mincore(map, size, in_core.data()) == 0);
  ::munmap(map, size);
  ::close(fd);
  size_t n = 0;
  for (unsigned char c : in_core) n += c & 1;
  return n;
}

}  // namespace

TEST_CASE("DirectFileWriter writes every byte in order, whatever the sizes of file and pieces") {
  test::TempDir tmp;
  const size_t block = DirectFileWriter::kBlock;
  const size_t buffer = DirectFileWriter::kBuffer;
  for (size_t size : {size_t{0}, size_t{1}, block - 1, block, block + 1, buffer - 1, buffer, buffer + 1,
                      3 * buffer + 12345}) {
    for (const std::vector<size_t>& pieces :
         {std::vector<size_t>{1 << 30}, std::vector<size_t>{1, 7, 4096, 100000}, std::vector<size_t>{buffer + 3}}) {
      CAPTURE(size);
      CAPTURE(pieces[0]);
      const std::string bytes = pattern_bytes(size);
      const std::string path = tmp.file("f");
      write_in_pieces(path, bytes, pieces);
      auto back = read_whole_file(path);
      REQUIRE(back.ok());
      CHECK(back->size() == bytes.size());
      CHECK(*back == bytes);
    }
  }
}

TEST_CASE("DirectFileWriter keeps whole blocks out of the page cache where O_DIRECT is taken") {
  test::TempDir tmp;
  if (!takes_direct_io(tmp.path())) {
    MESSAGE("the temp dir's file system refuses O_DIRECT; the writer goes through the cache there");
    return;
  }
  const std::string path = tmp.file("state");
  const std::string bytes = pattern_bytes(2 * DirectFileWriter::kBuffer + 100);
  CHECK(write_in_pieces(path, bytes, {100000}));
  // At most the tail's page went through the cache; 2049 pages were written.
  CHECK(resident_pages(path) <= 1);
  auto back = read_whole_file(path);
  REQUIRE(back.ok());
  CHECK(*back == bytes);
}

TEST_CASE("DirectFileWriter writes through the cache where O_DIRECT is refused") {
  // tmpfs on /dev/shm, where at hand; newer kernels take O_DIRECT there too.
  struct stat sb {};
  if (::stat("/dev/shm", &sb) != 0 || !S_ISDIR(sb.st_mode)) return;
  char pattern[] = "/dev/shm/eddy-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return;
  const std::string dir = pattern;
  const std::string bytes = pattern_bytes(DirectFileWriter::kBuffer + 4097);
  write_in_pieces(dir + "/f", bytes, {3000});
  auto back = read_whole_file(dir + "/f");
  std::filesystem::remove_all(dir);
  REQUIRE(back.ok());
  CHECK(*back == bytes);
}

}  // namespace eddy
