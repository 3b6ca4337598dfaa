#include "expr/udf.h"

#include <dlfcn.h>
#include <eddy_udf.h>

#include <algorithm>
#include <map>
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

/// dlopen + dlsym + the ABI's checks: the description of the function at `target`.
Result<std::unique_ptr<Udf>> open_udf(const std::string& name, const std::string& target) {
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == target.size())
    return Status::invalid("CREATE FUNCTION " + name + " AS '" + target + "': expected 'library.so:symbol', a C "
                           "function of a shared library (include/eddy_udf.h); eddy runs no Java classes");
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
