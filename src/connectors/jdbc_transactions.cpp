// The jdbc sink's transaction ids and their resolution (jdbc_transactions.h).
#include "connectors/jdbc_transactions.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace eddy {
namespace {

constexpr const char* kStateHeader = "eddy-jdbc-sink-1\n";

template <class T>
bool parse_number(const std::string& s, T& out) {
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), e, out);
  return ec == std::errc() && p == e && !s.empty();
}

}  // namespace

std::string jdbc_gid_prefix(const std::string& tag, const std::string& sink_name) {
  std::string name;
  for (char c : sink_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') name += c;
  if (name.size() > 64) name.resize(64);
  return "eddy-" + tag + "-" + name + "-";
}

std::string jdbc_gid(const std::string& prefix, int32_t subtask, int64_t checkpoint_id) {
  return prefix + std::to_string(subtask) + "-" + std::to_string(checkpoint_id);
}

std::optional<JdbcGidParts> parse_jdbc_gid(const std::string& prefix, const std::string& gid) {
  if (gid.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const std::string rest = gid.substr(prefix.size());
  const size_t dash = rest.find('-');
  JdbcGidParts p;
  if (dash == std::string::npos || !parse_number(rest.substr(0, dash), p.subtask) ||
      !parse_number(rest.substr(dash + 1), p.checkpoint_id))
    return std::nullopt;
  return p;
}

// The header, the number of gids, a gid a line, then the carried bytes.
std::string encode_jdbc_state(const JdbcSinkState& state) {
  std::string out = kStateHeader + std::to_string(state.gids.size()) + "\n";
  for (const auto& g : state.gids) out += g + "\n";
  return out + state.carried;
}

Result<JdbcSinkState> decode_jdbc_state(const std::string& bytes) {
  const std::string header = kStateHeader;
  if (bytes.compare(0, header.size(), header) != 0)
    return Status::invalid("jdbc sink state: not written by a jdbc sink");
  JdbcSinkState state;
  size_t at = header.size();
  auto line = [&](std::string& out) {
    const size_t nl = bytes.find('\n', at);
    if (nl == std::string::npos) return false;
    out = bytes.substr(at, nl - at);
    at = nl + 1;
    return true;
  };
  std::string count_text;
  size_t count = 0;
  if (!line(count_text) || !parse_number(count_text, count)) return Status::invalid("jdbc sink state: truncated");
  for (size_t i = 0; i < count; ++i) {
    std::string gid;
    if (!line(gid)) return Status::invalid("jdbc sink state: truncated");
    state.gids.push_back(std::move(gid));
  }
  state.carried = bytes.substr(at);
  return state;
}

JdbcResolution resolve_jdbc_prepared(const std::string& prefix, const std::vector<std::string>& listed,
                                     const std::vector<std::string>& prepared, int32_t index,
                                     int32_t parallelism) {
  JdbcResolution r;
  r.commit = listed;
  const std::set<std::string> keep(listed.begin(), listed.end());
  for (const auto& gid : prepared) {
    auto parts = parse_jdbc_gid(prefix, gid);
    if (!parts || keep.count(gid)) continue;
    if (parts->subtask % std::max(parallelism, 1) == index) r.rollback.push_back(gid);
  }
  return r;
}

}  // namespace eddy
