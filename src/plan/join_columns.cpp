// Name resolution over a join's two inputs, and the joined schema.
#include "plan/join_columns.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace eddy {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Where a side's own columns start: after "op" on an updating stream.
int first_column(const JoinScopeInput& s) { return s.updating ? 1 : 0; }

std::string column_list(const JoinScopeInput& s) {
  std::string out;
  for (size_t i = static_cast<size_t>(first_column(s)); i < s.schema->size(); ++i)
    out += (out.empty() ? "" : ", ") + s.schema->field(i).name;
  return out;
}

}  // namespace

JoinScope::JoinScope(JoinScopeInput left, JoinScopeInput right) : left_(std::move(left)), right_(std::move(right)) {
  std::vector<Field> fields;
  std::set<std::string> left_names, right_names;
  for (size_t i = static_cast<size_t>(first_column(left_)); i < left_.schema->size(); ++i)
    left_names.insert(left_.schema->field(i).name);
  for (size_t i = static_cast<size_t>(first_column(right_)); i < right_.schema->size(); ++i)
    right_names.insert(right_.schema->field(i).name);
  for (int s = 0; s < 2; ++s) {
    const JoinScopeInput& js = side(s);
    const auto& other = s == 0 ? right_names : left_names;
    for (size_t i = static_cast<size_t>(first_column(js)); i < js.schema->size(); ++i) {
      Field f = js.schema->field(i);
      if (other.count(f.name)) f.name = js.qualifier + "_" + f.name;
      fields.push_back(f);
    }
  }
  std::set<std::string> seen;
  for (const auto& f : fields)
    if (!seen.insert(f.name).second && clash_.empty()) clash_ = f.name;
  joined_ = std::make_shared<Schema>(std::move(fields));
}

int JoinScope::joined_index(int s, int index) const {
  const int own = index - first_column(side(s));
  if (own < 0) return -1;
  if (s == 0) return own;
  return static_cast<int>(left_.schema->size()) - first_column(left_) + own;
}

std::string JoinScope::qualified_name(int s, int index) const {
  return side(s).qualifier + "." + side(s).schema->field(static_cast<size_t>(index)).name;
}

std::string JoinScope::both_columns() const {
  return left_.qualifier + " (" + column_list(left_) + ") and " + right_.qualifier + " (" + column_list(right_) + ")";
}

int JoinScope::find(int s, const std::string& name) const {
  const JoinScopeInput& js = side(s);
  for (size_t i = static_cast<size_t>(first_column(js)); i < js.schema->size(); ++i)
    if (js.schema->field(i).name == name) return static_cast<int>(i);
  int found = -1, matches = 0;
  for (size_t i = static_cast<size_t>(first_column(js)); i < js.schema->size(); ++i)
    if (lower(js.schema->field(i).name) == lower(name)) {
      found = static_cast<int>(i);
      ++matches;
    }
  return matches == 1 ? found : -1;
}

JoinColumn JoinScope::resolve(const std::string& qualifier, const std::string& name, std::string& message) const {
  JoinColumn c;
  if (!qualifier.empty()) {
    const bool is_left = lower(qualifier) == lower(left_.qualifier);
    const bool is_right = lower(qualifier) == lower(right_.qualifier);
    if (!is_left && !is_right) {
      message = "unknown input '" + qualifier + "' in '" + qualifier + "." + name + "'; columns are qualified by " +
                left_.qualifier + " or " + right_.qualifier;
      return c;
    }
    const int s = is_left ? 0 : 1;
    const int index = find(s, name);
    if (index < 0) {
      message = "unknown column '" + qualifier + "." + name + "'; the inputs have columns " + both_columns();
      return c;
    }
    return {s, index, joined_index(s, index)};
  }
  const int l = find(0, name), r = find(1, name);
  if (l >= 0 && r >= 0) {
    message = "column '" + name + "' is ambiguous: both " + both_columns() + " have it; write " +
              left_.qualifier + "." + name + " or " + right_.qualifier + "." + name;
    return c;
  }
  if (l >= 0) return {0, l, joined_index(0, l)};
  if (r >= 0) return {1, r, joined_index(1, r)};
  // The joined schema's own names ("person_id") may be written bare too.
  int j = joined_->index_of(name);
  for (size_t i = 0; i < joined_->size() && j < 0; ++i)
    if (lower(joined_->field(i).name) == lower(name)) j = static_cast<int>(i);
  if (j >= 0) {
    const int left_width = static_cast<int>(left_.schema->size()) - first_column(left_);
    const int s = j < left_width ? 0 : 1;
    return {s, (s == 0 ? j : j - left_width) + first_column(side(s)), j};
  }
  message = "unknown column '" + name + "'; the inputs have columns " + both_columns();
  return c;
}

ColumnResolver JoinScope::resolver() const {
  return [this](const std::string& qualifier, const std::string& name, std::string& message) {
    return resolve(qualifier, name, message).joined;
  };
}

}  // namespace eddy
