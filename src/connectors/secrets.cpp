// Credentials in connector options (secrets.h).
#include "connectors/secrets.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace eddy {

const char* process_env(const std::string& name) { return std::getenv(name.c_str()); }

Result<std::string> expand_env(const std::string& value, const std::string& option, const EnvLookup& env,
                               const std::string& connector) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t start = value.find("${env:", at);
    if (start == std::string::npos) break;
    const size_t end = value.find('}', start);
    if (end == std::string::npos)
      return Status::invalid(connector + ": option '" + option + "' has an unclosed '${env:'");
    const std::string name = value.substr(start + 6, end - start - 6);
    const char* v = env(name);
    if (v == nullptr)
      return Status::invalid(connector + ": option '" + option + "' reads the environment variable '" + name +
                             "', which is not set");
    out.append(value, at, start - at).append(v);
    at = end + 1;
  }
  return out.append(value, at, std::string::npos);
}

std::string mask_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

bool is_secret_option(const std::string& key) {
  std::string k = key;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"password", "secret", "token", "credential"})
    if (k.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace eddy
