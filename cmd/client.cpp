// The cluster client: `eddy run`, `list`, `status`, `cancel`, `savepoint`,
// and `sample` and `stacks` (against a cluster or `eddy local --web-ui`).
// Each is one or a few calls to the job manager's REST API (cpp-httplib);
// results go to stdout, explanations and errors to stderr.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cmd/commands.h"
#include "core/time_util.h"
#include "plan/cluster_config.h"
#include "plan/job_graph.h"
#include "runtime/metrics.h"

namespace eddy {
namespace {

using json = nlohmann::json;

/// The scheme://HOST:PORT that -m names: "HOST:PORT" (http), "http://HOST:PORT"
/// or "https://HOST:PORT".
Result<std::string> rest_base(const std::string& address, bool& tls) {
  std::string rest = address;
  tls = false;
  if (rest.rfind("https://", 0) == 0) {
    tls = true;
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string host;
  uint16_t port = 0;
  if (rest.find('/') != std::string::npos)
    return Status::invalid("-m " + address + ": expected HOST:PORT, http://HOST:PORT or https://HOST:PORT");
  Status ok = split_host_port(rest, host, port);
  if (!ok.is_ok())
    return Status::invalid("-m " + address + ": " + ok.message() + " (or http://HOST:PORT, https://HOST:PORT)");
  return std::string(tls ? "https://" : "http://") + rest;
}

/// Why a call failed before any answer, and what to do about it.
std::string transport_error(const ClientOptions& o, httplib::Error e) {
  const std::string where = "the job manager's REST API at " + o.jobmanager;
  switch (e) {
    case httplib::Error::SSLServerVerification:
      return where + " presented a TLS certificate that is not trusted or not made for that host: give the CA "
                     "that signed it with --ca FILE or EDDY_REST_CA";
    case httplib::Error::SSLConnection:
      return "TLS handshake with " + where + " failed: does it serve https? (use -m http://HOST:PORT if not)";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA file '" + o.ca + "' (--ca, EDDY_REST_CA)";
    default:
      return "cannot reach " + where + ": " + httplib::to_string(e) +
             " (is `eddy jobmanager` running there? -m HOST:PORT names its REST address; "
             "https://HOST:PORT when it serves TLS)";
  }
}

/// One REST call; the parsed JSON body, or an error saying what went wrong.
/// Sends EDDY_REST_TOKEN as a bearer token when it is set.
Result<json> call(const ClientOptions& o, const std::string& method, const std::string& path,
                  const std::string& body = "", int timeout_s = 30) {
  bool tls = false;
  auto base = rest_base(o.jobmanager, tls);
  if (!base.ok()) return base.status();
  httplib::Client client(*base);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(timeout_s, 0);
  if (const char* token = std::getenv("EDDY_REST_TOKEN"); token != nullptr && *token != '\0')
    client.set_bearer_token_auth(token);
  if (tls) {
    client.enable_server_certificate_verification(true);
    if (!o.ca.empty()) client.set_ca_cert_path(o.ca);
  }
  httplib::Result res = method == "GET" ? client.Get(path.c_str())
                                        : client.Post(path.c_str(), body, "application/yaml");
  if (!res) return Status::io_error(transport_error(o, res.error()));
  json j = json::parse(res->body, nullptr, false);
  if (j.is_discarded())
    return Status::io_error("the job manager at " + o.jobmanager + " answered HTTP " + std::to_string(res->status) +
                            " with something that is not JSON");
  if (res->status >= 400) {
    std::string why = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : res->body;
    if (res->status == 401) why += std::getenv("EDDY_REST_TOKEN") ? "" : " (EDDY_REST_TOKEN is not set here)";
    return Status::invalid(why);
  }
  return j;
}

int fail(const Status& s) {
  std::fprintf(stderr, "%s\n", s.message().c_str());
  return s.code() == StatusCode::kInvalidArgument ? kExitRefused : kExitJobFailed;
}

std::string url_encode(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

bool is_terminal(const std::string& state) {
  return state == "FINISHED" || state == "FAILED" || state == "CANCELED";
}

void print_status(const json& j) {
  std::printf("job %s '%s': %s\n", j.value("id", "").c_str(), j.value("name", "").c_str(),
              j.value("state", "").c_str());
  if (!j.value("message", "").empty()) std::printf("  %s\n", j["message"].get<std::string>().c_str());
  std::vector<OperatorMetrics> rows;
  std::vector<int32_t> parallelism;
  for (const auto& o : j.value("operators", json::array())) {
    OperatorMetrics m{o.value("name", "")};
    m.records_in = o.value("records_in", uint64_t{0});
    m.records_out = o.value("records_out", uint64_t{0});
    m.batches_in = o.value("batches_in", uint64_t{0});
    m.batches_out = o.value("batches_out", uint64_t{0});
    m.busy_ns = o.value("busy_ms", int64_t{0}) * 1000000;
    m.skipped = o.value("skipped_records", uint64_t{0});
    m.late = o.value("late_records", uint64_t{0});
    m.windows_fired = o.value("windows_fired", uint64_t{0});
    m.keys = o.value("keys_in_state", uint64_t{0});
    m.lookup_hits = o.value("lookup_cache_hits", uint64_t{0});
    m.lookup_misses = o.value("lookup_cache_misses", uint64_t{0});
    m.lookup_timeouts = o.value("lookup_timeouts", uint64_t{0});
    m.lookup_null_rows = o.value("lookup_null_rows", uint64_t{0});
    if (o.contains("watermark") && o["watermark"].is_number()) m.watermark = o["watermark"].get<int64_t>();
    rows.push_back(m);
    parallelism.push_back(o.value("parallelism", 0));
  }
  if (!rows.empty()) std::printf("%s", render_metrics_table(rows, parallelism).c_str());
  for (const auto& m : rows)
    if (m.lookup_hits + m.lookup_misses + m.lookup_timeouts > 0)
      std::printf("'%s' lookups: %llu cache hits, %llu cache misses, %llu timeouts, %llu rows with NULLs after a "
                  "timeout\n", m.name.c_str(), static_cast<unsigned long long>(m.lookup_hits),
                  static_cast<unsigned long long>(m.lookup_misses), static_cast<unsigned long long>(m.lookup_timeouts),
                  static_cast<unsigned long long>(m.lookup_null_rows));
  const json c = j.value("checkpoints", json::object());
  if (c.value("completed", 0) > 0 || c.value("restarts", 0) > 0)
    std::printf("checkpoints: %d completed, %d failed, %d restarts\n", c.value("completed", 0),
                c.value("failed", 0), c.value("restarts", 0));
}

}  // namespace

int run_submit(const ClientOptions& o) {
  std::string text;
  Status read = read_pipeline_files(o.pipeline, o.init, text);
  if (!read.is_ok()) return fail(read);
  // Checked here first, so a bad file is refused with its line and column before anything is sent.
  PlanOptions plan;
  plan.parallelism = o.parallelism;
  auto graph = load_pipeline_text(o.pipeline, text, plan);
  if (!graph.ok()) {
    std::fprintf(stderr, "%s%s: refused; nothing was submitted\n", graph.status().message().c_str(), o.pipeline.c_str());
    return kExitRefused;
  }
  std::string path = "/jobs?name=" + url_encode(std::filesystem::path(o.pipeline).filename().string());
  if (o.parallelism > 0) path += "&parallelism=" + std::to_string(o.parallelism);
  if (!o.from_savepoint.empty()) path += "&savepoint=" + url_encode(o.from_savepoint);
  if (o.allow_non_restored_state) path += "&allowNonRestoredState=true";
  auto r = call(o, "POST", path, text);
  if (!r.ok()) return fail(r.status());
  const std::string id = (*r)["id"].get<std::string>();
  for (const auto& note : r->value("notes", json::array())) std::fprintf(stderr, "%s\n", note.get<std::string>().c_str());
  std::fprintf(stderr, "submitted '%s' to %s as job %s\n", (*graph)->spec.name.c_str(), o.jobmanager.c_str(), id.c_str());
  if (o.wait) {
    std::string state;
    for (;;) {
      auto s = call(o, "GET", "/jobs/" + id);
      if (!s.ok()) return fail(s.status());
      state = (*s)["state"].get<std::string>();
      if (is_terminal(state)) {
        std::fprintf(stderr, "job %s %s%s%s\n", id.c_str(), state.c_str(), (*s).value("message", "").empty() ? "" : ": ",
                     (*s).value("message", "").c_str());
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    std::printf("%s\n", id.c_str());
    return state == "FINISHED" ? kExitOk : kExitJobFailed;
  }
  std::printf("%s\n", id.c_str());
  return kExitOk;
}

int run_list(const ClientOptions& o) {
  auto r = call(o, "GET", "/jobs");
  if (!r.ok()) return fail(r.status());
  std::printf("%-16s  %-10s  %s\n", "ID", "STATE", "NAME");
  for (const auto& j : (*r)["jobs"])
    std::printf("%-16s  %-10s  %s\n", j.value("id", "").c_str(), j.value("state", "").c_str(), j.value("name", "").c_str());
  return kExitOk;
}

int run_status(const ClientOptions& o) {
  auto r = call(o, "GET", "/jobs/" + url_encode(o.job));
  if (!r.ok()) return fail(r.status());
  if (o.json) std::printf("%s\n", r->dump(2).c_str());
  else print_status(*r);
  return kExitOk;
}

int run_cancel(const ClientOptions& o) {
  if (o.savepoint) {
    auto r = call(o, "POST", "/jobs/" + url_encode(o.job) + "/cancel?savepoint=true", "", 900);
    if (!r.ok()) return fail(r.status());
    std::printf("savepoint: %s\n", (*r)["path"].get<std::string>().c_str());
    return kExitOk;
  }
  auto r = call(o, "POST", "/jobs/" + url_encode(o.job) + "/cancel");
  if (!r.ok()) return fail(r.status());
  std::fprintf(stderr, "canceling job %s\n", o.job.c_str());
  return kExitOk;
}

namespace {

/// Pads `cells` to the widest cell of each column.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], r[c].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c)
      line += c + 1 < r.size() ? r[c] + std::string(width[c] - r[c].size() + 2, ' ') : r[c];
    std::printf("%s\n", line.c_str());
  }
}

std::string vertex_path(const ClientOptions& o, const std::string& what) {
  return "/jobs/" + url_encode(o.job) + "/vertices/" + url_encode(o.vertex) + "/" + what;
}

}  // namespace

int run_sample(const ClientOptions& o) {
  const std::string path = vertex_path(o, "sample") + "?rows=" + std::to_string(o.rows);
  auto r = call(o, "GET", path);
  if (r.ok() && r->value("rows", json::array()).empty()) {
    // That read armed the vertex's taps (they keep nothing while nobody reads): ask again.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    r = call(o, "GET", path);
  }
  if (!r.ok()) return fail(r.status());
  std::vector<std::vector<std::string>> rows{{"OP", "SUBTASK", "TIME"}};
  for (const auto& c : r->value("columns", json::array())) rows[0].push_back(c.get<std::string>());
  for (const auto& row : r->value("rows", json::array())) {
    std::vector<std::string> cells{row.value("op", ""), std::to_string(row.value("subtask", 0)),
                                   format_timestamp_ms(row.value("time", int64_t{0}))};
    for (const auto& v : row.value("values", json::array())) cells.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    rows.push_back(std::move(cells));
  }
  if (rows.size() == 1)  // a read arms the taps: rows emitted from now on are kept
    std::fprintf(stderr, "no rows: the vertex emitted none in the last second (its taps keep rows for 10 s after each read)\n");
  print_table(rows);
  return kExitOk;
}

int run_stacks(const ClientOptions& o) {
  auto r = call(o, "GET", vertex_path(o, "stacks"));
  if (!r.ok()) return fail(r.status());
  for (const auto& s : r->value("subtasks", json::array())) {
    std::printf("subtask %d (thread %s): %s for %lld ms: %s\n", s.value("subtask", 0), s.value("thread", "").c_str(),
                s.value("activity", "").c_str(), static_cast<long long>(s.value("for-ms", int64_t{0})),
                s.value("detail", "").c_str());
    for (const auto& f : s.value("stack", json::array())) std::printf("    %s\n", f.get<std::string>().c_str());
    if (s.contains("stack-error")) std::printf("    (no stack: %s)\n", s["stack-error"].get<std::string>().c_str());
  }
  return kExitOk;
}

int run_savepoint(const ClientOptions& o) {
  auto r = call(o, "POST", "/jobs/" + url_encode(o.job) + "/savepoints", "", 900);
  if (!r.ok()) return fail(r.status());
  std::printf("savepoint: %s\n", (*r)["path"].get<std::string>().c_str());
  return kExitOk;
}

}  // namespace eddy
