// Vertex ids as REST shows them: 32 lower-case hex digits, a hash of the
// names of the vertex's chained operators (as Flink's JobVertexID), so the
// same pipeline gets the same ids on every run and after restarts; and the
// lookup of a {vid} path part, which also takes a vertex's index or the name
// of an operator chained in it.
#pragma once

#include <optional>
#include <string>

#include "plan/job_graph.h"

namespace eddy {

std::string vertex_id(const JobGraph& graph, int vertex);
/// An operator's id in the same form: a hash of its name alone.
std::string operator_id(const std::string& name);

/// The vertex `text` names: its id, its index, or an operator chained in it.
std::optional<int> find_vertex(const JobGraph& graph, const std::string& text);

/// "a (id ...), b (id ...)": the vertices, for a 404 that names what exists.
std::string list_vertices(const JobGraph& graph);

}  // namespace eddy
