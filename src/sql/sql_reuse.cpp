// reuse_sub_plans (sql_reuse.h): an operator's work as a text, and a rename.
#include "sql/sql_reuse.h"

#include <map>
#include <sstream>
#include <string>

namespace eddy::sql {
namespace {

void add_window(std::ostringstream& os, const WindowText& w) {
  if (!w.present) return;
  os << "|window " << w.type << " " << w.size_ms << " " << w.slide_ms << " " << w.gap_ms << " "
     << w.processing_time;
}

/// Everything that decides what an operator emits, but its name and positions.
std::string work_of(const OperatorSpec& op) {
  std::ostringstream os;
  os << static_cast<int>(op.kind) << "|" << op.input.text << "|" << op.right_input.text << "|" << op.parallelism
     << "|" << op.filter.text;
  for (const auto& s : op.select) os << "|select " << s.column.text << "=" << s.expression.text;
  for (const auto& k : op.key_by) os << "|key " << k.text;
  if (op.partition) os << "|partition " << static_cast<int>(*op.partition);
  add_window(os, op.window);
  for (const auto& a : op.aggregate) os << "|agg " << a.column.text << "=" << a.call.text;
  if (op.top_n.present) {
    os << "|top " << op.top_n.n << " " << op.top_n.order_by.text << " " << op.top_n.rank_column;
    for (const auto& p : op.top_n.partition_by) os << " " << p.text;
  }
  os << "|" << op.allowed_lateness_ms << "|" << op.emit_every_ms;
  if (op.join.present) {
    const JoinText& j = op.join;
    os << "|join " << j.left.input.text << " " << j.left.alias.text << " " << j.right.input.text << " "
       << j.right.alias.text << " " << j.type.text << " " << j.on.text << " " << j.state_ttl_ms;
    add_window(os, j.window);
  }
  return os.str();
}

void rename(LocatedText& t, const std::map<std::string, std::string>& to) {
  auto it = to.find(t.text);
  if (it != to.end()) t.text = it->second;
}

/// One pass: drops every operator identical to an earlier one, pointing its
/// readers at that one. True when something was dropped.
bool merge_once(PipelineSpec& spec) {
  std::map<std::string, std::string> first_of;  // work -> the first operator doing it
  std::map<std::string, std::string> to;        // dropped name -> kept name
  std::vector<OperatorSpec> kept;
  for (OperatorSpec& op : spec.operators) {
    if (!op.late_output.text.empty()) {  // a side output has a name of its own: keep it as is
      kept.push_back(std::move(op));
      continue;
    }
    auto [it, fresh] = first_of.emplace(work_of(op), op.name.text);
    if (fresh) kept.push_back(std::move(op));
    else to[op.name.text] = it->second;
  }
  spec.operators = std::move(kept);
  if (to.empty()) return false;
  for (OperatorSpec& op : spec.operators) {
    rename(op.input, to);
    rename(op.right_input, to);
    rename(op.join.left.input, to);
    rename(op.join.right.input, to);
  }
  for (SinkSpec& sink : spec.sinks) rename(sink.input, to);
  return true;
}

}  // namespace

void reuse_sub_plans(PipelineSpec& spec) {
  while (merge_once(spec)) {
  }
}

}  // namespace eddy::sql
