// Vertex ids: two 64-bit FNV-1a hashes (different offsets) of the chained
// operator names, each name ended by a NUL so "ab"+"c" differs from "a"+"bc".
#include "monitor/vertex_id.h"

#include <cstdio>

namespace eddy {
namespace {

uint64_t fnv1a(uint64_t h, const std::string& s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return (h ^ 0) * 0x100000001b3ULL;
}

std::string hex_id(const std::vector<const std::string*>& names) {
  uint64_t hi = 0xcbf29ce484222325ULL, lo = 0x84222325cbf29ce4ULL;
  for (const std::string* name : names) {
    hi = fnv1a(hi, *name);
    lo = fnv1a(lo, *name);
  }
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

}  // namespace

std::string vertex_id(const JobGraph& graph, int vertex) {
  std::vector<const std::string*> names;
  for (int n : graph.vertices[static_cast<size_t>(vertex)].nodes) names.push_back(&graph.nodes[static_cast<size_t>(n)].name);
  return hex_id(names);
}

std::string operator_id(const std::string& name) { return hex_id({&name}); }

std::optional<int> find_vertex(const JobGraph& graph, const std::string& text) {
  const int count = static_cast<int>(graph.vertices.size());
  for (int v = 0; v < count; ++v)
    if (vertex_id(graph, v) == text) return v;
  if (!text.empty() && text.size() < 6 && text.find_first_not_of("0123456789") == std::string::npos) {
    const int v = std::stoi(text);
    if (v < count) return v;
  }
  for (int v = 0; v < count; ++v)
    for (int n : graph.vertices[static_cast<size_t>(v)].nodes)
      if (graph.nodes[static_cast<size_t>(n)].name == text) return v;
  return std::nullopt;
}

std::string list_vertices(const JobGraph& graph) {
  std::string out;
  for (size_t v = 0; v < graph.vertices.size(); ++v) {
    if (!out.empty()) out += ", ";
    out += graph.vertices[v].name + " (id " + vertex_id(graph, static_cast<int>(v)) + ")";
  }
  return out;
}

}  // namespace eddy
