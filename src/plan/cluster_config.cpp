#include "plan/cluster_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "plan/monitor_spec.h"
#include "plan/yaml_reader.h"

namespace eddy {
namespace {

void read_text(MapReader& r, const char* key, std::string& into) {
  if (auto t = r.text(key)) into = t->text;
}

void read_address(MapReader& r, const char* key, std::string& into) {
  auto t = r.text(key);
  if (!t) return;
  std::string host;
  uint16_t port = 0;
  Status ok = split_host_port(t->text, host, port);
  if (!ok.is_ok()) r.error(t->loc, "'" + std::string(key) + "' of " + r.what() + ": " + ok.message());
  into = t->text;
}

/// A size in bytes: a number, or a number with KiB, MiB or GiB ("4MiB").
void read_byte_size(MapReader& r, const char* key, int64_t min, int64_t max, int64_t& into) {
  auto t = r.text(key);
  if (!t) return;
  const std::string& s = t->text;
  const size_t digits = std::min(s.find_first_not_of("0123456789"), s.size());
  const std::string unit = s.substr(digits);
  const int shift = unit.empty() ? 0 : unit == "KiB" ? 10 : unit == "MiB" ? 20 : unit == "GiB" ? 30 : -1;
  if (digits == 0 || digits > 10 || shift < 0) {
    r.error(t->loc, "'" + std::string(key) + "' of " + r.what() + ": expected a size such as 4MiB, 512KiB or " +
                        "a number of bytes, got '" + s + "'");
    return;
  }
  const int64_t value = std::stoll(s.substr(0, digits));
  const int64_t bytes = value > (max >> shift) ? max + 1 : value << shift;
  if (bytes < min || bytes > max)
    r.error(t->loc, "'" + std::string(key) + "' of " + r.what() + " must be from " + std::to_string(min >> 10) +
                        "KiB to " + std::to_string(max >> 20) + "MiB, got '" + s + "'");
  else
    into = bytes;
}

void read_rest(MapReader& r, ClusterConfig& out, std::vector<Diagnostic>& diags) {
  read_byte_size(r, "max_body", int64_t{1} << 10, int64_t{1} << 30, out.rest_max_body);
  read_text(r, "token", out.rest_token);
  if (YAML::Node n = r.get("tls"); n.IsDefined()) {
    MapReader t(n, "rest.tls", diags);
    read_text(t, "certificate", out.rest_tls_certificate);
    read_text(t, "key", out.rest_tls_key);
    read_text(t, "passphrase", out.rest_tls_passphrase);
    t.reject_unknown_keys();
  }
  r.reject_unknown_keys();
}

}  // namespace

Status split_host_port(const std::string& text, std::string& host, uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return Status::invalid("expected HOST:PORT, e.g. 127.0.0.1:6123, got '" + text + "'");
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(p) > 65535)
    return Status::invalid("expected a port from 0 to 65535 after ':' in '" + text + "'");
  port = static_cast<uint16_t>(std::stoul(p));
  return Status::ok();
}

Status parse_cluster_config(const std::string& file_name, const std::string& text, ClusterConfig& out) {
  std::vector<Diagnostic> diags;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    diags.push_back({{e.mark.line + 1, e.mark.column + 1}, "invalid YAML: " + e.msg});
    return Status::invalid(render_diagnostics(file_name, diags));
  }
  if (root.IsNull()) return Status::ok();  // an empty file sets nothing
  if (!root.IsMap()) {
    diags.push_back({SourceLocation{1, 1}, "a cluster config must be a YAML mapping with jobmanager, "
                                           "taskmanager, heartbeat, slot, tls, cluster, checkpoints and rest"});
    return Status::invalid(render_diagnostics(file_name, diags));
  }
  MapReader top(root, "the cluster config", diags);
  if (YAML::Node n = top.get("jobmanager"); n.IsDefined()) {
    MapReader r(n, "jobmanager", diags);
    read_address(r, "rpc", out.rpc_bind);
    read_address(r, "rest", out.rest_bind);
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("taskmanager"); n.IsDefined()) {
    MapReader r(n, "taskmanager", diags);
    read_address(r, "jobmanager", out.jobmanager);
    out.slots = static_cast<int32_t>(r.integer("slots", 1, 32768).value_or(out.slots));
    read_text(r, "name", out.name);
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("heartbeat"); n.IsDefined()) {
    MapReader r(n, "heartbeat", diags);
    out.heartbeat_interval_us = r.duration_us("interval").value_or(out.heartbeat_interval_us);
    out.heartbeat_timeout_us = r.duration_us("timeout").value_or(out.heartbeat_timeout_us);
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("slot"); n.IsDefined()) {
    MapReader r(n, "slot", diags);
    out.slot_request_timeout_us = r.duration_us("request_timeout").value_or(out.slot_request_timeout_us);
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("tls"); n.IsDefined()) {
    MapReader r(n, "tls", diags);
    read_text(r, "certificate", out.tls_certificate);
    read_text(r, "key", out.tls_key);
    read_text(r, "ca", out.tls_ca);
    read_text(r, "passphrase", out.tls_passphrase);
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("cluster"); n.IsDefined()) {
    MapReader r(n, "cluster", diags);
    read_text(r, "secret", out.secret);
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("checkpoints"); n.IsDefined()) {
    MapReader r(n, "checkpoints", diags);
    read_text(r, "dir", out.checkpoint_dir);
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("rest"); n.IsDefined()) {
    MapReader r(n, "rest", diags);
    read_rest(r, out, diags);
  }
  if (YAML::Node n = top.get("metrics"); n.IsDefined()) {
    MapReader r(n, "metrics", diags);
    if (YAML::Node p = r.get("prometheus"); p.IsDefined()) {
      MapReader pr(p, "metrics.prometheus", diags);
      read_text(pr, "prefix", out.prometheus_prefix);
      pr.reject_unknown_keys();
    }
    r.reject_unknown_keys();
  }
  if (YAML::Node n = top.get("monitor"); n.IsDefined()) out.monitor = read_cluster_monitor(n, diags);
  top.reject_unknown_keys();
  if (!diags.empty()) return Status::invalid(render_diagnostics(file_name, diags));
  return Status::ok();
}

Status check_cluster_config(const ClusterConfig& c) {
  if (c.heartbeat_interval_us <= 0) return Status::invalid("heartbeat.interval must be longer than 0");
  if (c.slot_request_timeout_us <= 0) return Status::invalid("slot.request_timeout must be longer than 0");
  if (c.heartbeat_timeout_us <= c.heartbeat_interval_us)
    return Status::invalid("heartbeat.timeout must be longer than heartbeat.interval");
  if (c.rest_tls_enabled()) {
    if (c.rest_tls_certificate.empty() || c.rest_tls_key.empty())
      return Status::invalid("an https REST API needs both rest.tls.certificate and rest.tls.key");
    for (const std::string* f : {&c.rest_tls_certificate, &c.rest_tls_key}) {
      std::ifstream in(*f);
      if (!in) return Status::invalid("cannot read REST TLS file '" + *f + "' (does it exist and is it readable?)");
    }
  }
  if (!c.tls_enabled()) return Status::ok();
  if (c.tls_certificate.empty() || c.tls_key.empty() || c.tls_ca.empty())
    return Status::invalid("TLS needs all of tls.certificate, tls.key and tls.ca (--tls-certificate, "
                           "--tls-key, --tls-ca); see the README's TLS section");
  for (const std::string* f : {&c.tls_certificate, &c.tls_key, &c.tls_ca}) {
    std::ifstream in(*f);
    if (!in) return Status::invalid("cannot read TLS file '" + *f + "' (does it exist and is it readable?)");
  }
  return Status::ok();
}

}  // namespace eddy
