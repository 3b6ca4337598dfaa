#include "expr/udf.h"

#include <dlfcn.h>
#include <eddy_udf.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <memory>
#include <mutex>

namespace eddy::expr {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::map<std::string, std::unique_ptr<Udf>>& registry() {
  static std::map<std::string, std::unique_ptr<Udf>> r;
  return r;
}

std::optional<DataType> type_of(eddy_type t) {
  switch (t) {
    case EDDY_INT64: return DataType::kInt64;
    case EDDY_FLOAT64: return DataType::kFloat64;
    case EDDY_BOOL: return DataType::kBool;
    case EDDY_STRING: return DataType::kString;
    case EDDY_TIMESTAMP: return DataType::kTimestamp;
  }
  return std::nullopt;
}

eddy_type abi_type(DataType t) {
  switch (t) {
    case DataType::kInt64: return EDDY_INT64;
    case DataType::kFloat64: return EDDY_FLOAT64;
    case DataType::kBool: return EDDY_BOOL;
    case DataType::kString: return EDDY_STRING;
    case DataType::kTimestamp: return EDDY_TIMESTAMP;
  }
  return EDDY_INT64;
}

void append_string(void* strings, const char* data, size_t length) {
  auto* col = static_cast<Column*>(strings);
  col->chars.append(data, length);
  col->offsets.push_back(static_cast<uint32_t>(col->chars.size()));
}

/// A Java class name, `com.example.MyUdf`: names of letters, digits, _ and $ between dots.
bool is_class_name(const std::string& t) {
  if (t.empty() || t.front() == '.' || t.back() == '.' || t.find("..") != std::string::npos) return false;
  return std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c == '.'; });
}

/// The shared libraries of EDDY_UDF_PATH (`:`-separated files, or
/// directories whose *.so files count, in name order).
std::vector<std::string> udf_path_libraries() {
  std::vector<std::string> out;
  const char* path = std::getenv(kUdfPathVariable);
  std::stringstream entries(path ? path : "");
  for (std::string entry; std::getline(entries, entry, ':');) {
    std::error_code ec;
    if (entry.empty()) continue;
    if (!std::filesystem::is_directory(entry, ec)) {
      out.push_back(entry);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& f : std::filesystem::directory_iterator(entry, ec))
      if (f.path().extension() == ".so") found.push_back(f.path().string());
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

/// `library.so:symbol` for a class name: the first library of EDDY_UDF_PATH
/// that exports the class's C name (its dots and $ as _), as a JVM finds a
/// class on its classpath.
Result<std::string> resolve_class(const std::string& name, const std::string& cls) {
  std::string symbol = cls;
  std::replace(symbol.begin(), symbol.end(), '.', '_');
  std::replace(symbol.begin(), symbol.end(), '$', '_');
  const std::vector<std::string> libraries = udf_path_libraries();
  for (const std::string& library : libraries) {
    void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle && ::dlsym(handle, symbol.c_str())) return library + ":" + symbol;
  }
  return Status::invalid("CREATE FUNCTION " + name + " AS '" + cls + "': eddy runs no Java classes; a class name "
                         "stands for the C function " + symbol + " of a shared library on " + kUdfPathVariable +
                         " (-l/--library), and " + (libraries.empty() ? std::string("that is empty") :
                         "none of its " + std::to_string(libraries.size()) + " libraries exports it") +
                         "; or write 'library.so:symbol' (include/eddy_udf.h, docs/sql.md)");
}

/// dlopen + dlsym + the ABI's checks: the description of the function at `target`.
Result<std::unique_ptr<Udf>> open_udf(const std::string& name, const std::string& target) {
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos && is_class_name(target)) {
    EDDY_ASSIGN_OR_RETURN(std::string resolved, resolve_class(name, target));
    EDDY_ASSIGN_OR_RETURN(std::unique_ptr<Udf> udf, open_udf(name, resolved));
    udf->target = target;
    return udf;
  }
  if (colon == std::string::npos || colon == 0 || colon + 1 == target.size())
    return Status::invalid("CREATE FUNCTION " + name + " AS '" + target + "': expected 'library.so:symbol', a C "
                           "function of a shared library (include/eddy_udf.h), or a class name that a library "
                           "on " + kUdfPathVariable + " exports");
  const std::string library = target.substr(0, colon), symbol = target.substr(colon + 1);
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return Status::invalid("CREATE FUNCTION " + name + ": cannot load " + library + ": " + ::dlerror());
  using Entry = const eddy_udf* (*)();
  auto entry = reinterpret_cast<Entry>(::dlsym(handle, symbol.c_str()));
  if (!entry) return Status::invalid("CREATE FUNCTION " + name + ": " + library + " has no function '" + symbol + "'");
  const eddy_udf* abi = entry();
  if (!abi || abi->abi_version != EDDY_UDF_ABI_VERSION || !abi->eval || (abi->arg_count > 0 && !abi->arg_types))
    return Status::invalid("CREATE FUNCTION " + name + ": " + symbol + " of " + library + " returned no eddy_udf of ABI "
                           "version " + std::to_string(EDDY_UDF_ABI_VERSION) + " (include/eddy_udf.h)");
  auto udf = std::make_unique<Udf>();
  udf->name = name;
  udf->target = target;
  udf->abi = abi;
  auto result = type_of(abi->result_type);
  if (!result) return Status::invalid("CREATE FUNCTION " + name + ": unknown result type");
  udf->result_type = *result;
  for (uint32_t i = 0; i < abi->arg_count; ++i) {
    auto t = type_of(abi->arg_types[i]);
    if (!t) return Status::invalid("CREATE FUNCTION " + name + ": unknown type of argument " + std::to_string(i + 1));
    udf->arg_types.push_back(*t);
  }
  return udf;
}

}  // namespace

Status load_udf(const std::string& name, const std::string& target) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto& r = registry();
  if (auto it = r.find(name); it != r.end()) {
    if (it->second->target == target) return Status::ok();
    return Status::invalid("CREATE FUNCTION " + name + ": this process already has '" + name + "' from '" +
                           it->second->target + "'");
  }
  EDDY_ASSIGN_OR_RETURN(std::unique_ptr<Udf> udf, open_udf(name, target));
  r.emplace(name, std::move(udf));
  return Status::ok();
}

void add_udf_path(const std::vector<std::string>& paths) {
  const char* old = std::getenv(kUdfPathVariable);
  std::string value = old ? old : "";
  for (const std::string& p : paths) value += (value.empty() ? "" : ":") + p;
  ::setenv(kUdfPathVariable, value.c_str(), 1);
}

const Udf* find_udf(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second.get();
}

Status Udf::call(const std::vector<const Column*>& args, size_t n, Column& out) const {
  std::vector<eddy_column> in(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const Column& c = *args[i];
    in[i] = eddy_column{abi_type(c.type()), c.has_nulls() ? c.valid.data() : nullptr, c.ints.data(),
                        c.doubles.data(), c.bools.data(), c.offsets.data(), c.chars.data()};
  }
  out = Column(result_type);
  out.valid.assign(n, 1);
  eddy_result result{abi_type(result_type), out.valid.data(), nullptr, nullptr, nullptr, &out, append_string};
  if (result_type == DataType::kFloat64) result.doubles = (out.doubles.resize(n), out.doubles.data());
  else if (result_type == DataType::kBool) result.bools = (out.bools.resize(n), out.bools.data());
  else if (result_type != DataType::kString) result.ints = (out.ints.resize(n), out.ints.data());
  char error[512] = "";
  if (abi->eval(in.data(), n, &result, error, sizeof error) != 0)
    return Status::invalid("function " + name + " failed: " + (error[0] ? std::string(error) : "no reason given"));
  if (result_type == DataType::kString && out.offsets.size() != n + 1)
    return Status::invalid("function " + name + " returned " + std::to_string(out.offsets.size() - 1) +
                           " strings for " + std::to_string(n) + " rows");
  if (std::all_of(out.valid.begin(), out.valid.end(), [](uint8_t v) { return v != 0; })) out.valid.clear();
  return Status::ok();
}

}  // namespace eddy::expr
