#include "actors/openssl_text.h"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>

namespace eddy {

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

int passphrase_callback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  const int n = std::min<int>(size, static_cast<int>(pass->size()));
  std::memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

}  // namespace eddy
