// Unit tests of the cluster config file (src/plan/cluster_config): every key
// read, keys left out keep their defaults, located errors, and the checks.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "plan/cluster_config.h"
#include "plan/job_graph.h"
#include "plan/monitor_spec.h"

using namespace eddy;

namespace {

std::string read_example(const char* name) {
  std::ifstream in(std::string(EDDY_SOURCE_DIR) + "/configs/cluster/" + name);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("the example cluster configs parse and set what they say") {
  ClusterConfig jm;
  REQUIRE(parse_cluster_config("jobmanager.yaml", read_example("jobmanager.yaml"), jm).is_ok());
  CHECK(jm.rpc_bind == "127.0.0.1:6123");
  CHECK(jm.rest_bind == "127.0.0.1:8081");
  CHECK(jm.heartbeat_interval_us == 1000000);
  CHECK(jm.heartbeat_timeout_us == 10000000);
  CHECK(jm.slot_request_timeout_us == 300000000);
  CHECK(jm.secret == "change-me");
  CHECK(jm.checkpoint_dir == "/tmp/eddy-shared");
  CHECK_FALSE(jm.tls_enabled());
  CHECK(jm.rest_max_body == 4 << 20);
  CHECK(jm.rest_token.empty());
  CHECK_FALSE(jm.rest_tls_enabled());
  CHECK(check_cluster_config(jm).is_ok());

  ClusterConfig tm;
  REQUIRE(parse_cluster_config("taskmanager.yaml", read_example("taskmanager.yaml"), tm).is_ok());
  CHECK(tm.jobmanager == "127.0.0.1:6123");
  CHECK(tm.slots == 2);
}

TEST_CASE("keys a file leaves out keep their values; an empty file sets nothing") {
  ClusterConfig c;
  c.slots = 7;
  REQUIRE(parse_cluster_config("c.yaml", "heartbeat:\n  timeout: 3s\n", c).is_ok());
  CHECK(c.slots == 7);
  CHECK(c.heartbeat_timeout_us == 3000000);
  CHECK(c.heartbeat_interval_us == 1000000);
  REQUIRE(parse_cluster_config("empty.yaml", "", c).is_ok());
  CHECK(c.heartbeat_timeout_us == 3000000);
}

TEST_CASE("slot.request_timeout is 5 minutes unless the file says otherwise, and must be positive") {
  ClusterConfig c;
  CHECK(c.slot_request_timeout_us == 300000000);  // Flink's slot.request.timeout
  REQUIRE(parse_cluster_config("c.yaml", "slot:\n  request_timeout: 30s\n", c).is_ok());
  CHECK(c.slot_request_timeout_us == 30000000);
  Status unknown = parse_cluster_config("c.yaml", "slot:\n  timeout: 30s\n", c);
  REQUIRE_FALSE(unknown.is_ok());
  CHECK_MESSAGE(unknown.message().find("c.yaml:2:3: error: unknown key 'timeout' in slot; expected one of: "
                                       "request_timeout") != std::string::npos, unknown.message());
  c.slot_request_timeout_us = 0;
  CHECK_FALSE(check_cluster_config(c).is_ok());
}

TEST_CASE("bad cluster configs are refused with file, line and column") {
  ClusterConfig c;
  Status unknown = parse_cluster_config("c.yaml", "taskmanager:\n  slots: 2\n  slot: 3\n", c);
  REQUIRE_FALSE(unknown.is_ok());
  CHECK(unknown.message().find("c.yaml:3:3") != std::string::npos);
  CHECK(unknown.message().find("slot") != std::string::npos);

  Status address = parse_cluster_config("c.yaml", "jobmanager:\n  rpc: localhost\n", c);
  REQUIRE_FALSE(address.is_ok());
  CHECK(address.message().find("c.yaml:2:8") != std::string::npos);
  CHECK(address.message().find("HOST:PORT") != std::string::npos);

  Status yaml = parse_cluster_config("c.yaml", "cluster: [secret\n", c);
  REQUIRE_FALSE(yaml.is_ok());
  CHECK(yaml.message().find("invalid YAML") != std::string::npos);
}

TEST_CASE("checks: heartbeat timeout above the interval, TLS files all or none") {
  ClusterConfig c;
  c.heartbeat_timeout_us = c.heartbeat_interval_us;
  CHECK_FALSE(check_cluster_config(c).is_ok());
  c.heartbeat_timeout_us = 10 * c.heartbeat_interval_us;
  CHECK(check_cluster_config(c).is_ok());
  c.tls_certificate = "/nonexistent/node.pem";
  Status partial = check_cluster_config(c);
  REQUIRE_FALSE(partial.is_ok());
  CHECK(partial.message().find("tls.key") != std::string::npos);
  c.tls_key = "/nonexistent/node.key";
  c.tls_ca = "/nonexistent/ca.pem";
  Status missing = check_cluster_config(c);
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.message().find("/nonexistent/node.pem") != std::string::npos);
}

TEST_CASE("split_host_port") {
  std::string host;
  uint16_t port = 0;
  REQUIRE(split_host_port("10.0.0.1:6123", host, port).is_ok());
  CHECK(host == "10.0.0.1");
  CHECK(port == 6123);
  REQUIRE(split_host_port("[::1]:80", host, port).is_ok());
  CHECK(host == "::1");
  CHECK_FALSE(split_host_port("host", host, port).is_ok());
  CHECK_FALSE(split_host_port("host:70000", host, port).is_ok());
  CHECK_FALSE(split_host_port("host:", host, port).is_ok());
}

TEST_CASE("the rest section sets the body limit, the token and the REST TLS files") {
  ClusterConfig c;
  CHECK(c.rest_max_body == 4 << 20);
  CHECK_FALSE(c.rest_tls_enabled());
  REQUIRE(parse_cluster_config("c.yaml",
                               "rest:\n  max_body: 512KiB\n  token: abc\n  tls:\n    certificate: r.pem\n"
                               "    key: r.key\n    passphrase: pw\n",
                               c)
              .is_ok());
  CHECK(c.rest_max_body == 512 << 10);
  CHECK(c.rest_token == "abc");
  CHECK(c.rest_tls_certificate == "r.pem");
  CHECK(c.rest_tls_key == "r.key");
  CHECK(c.rest_tls_passphrase == "pw");
  CHECK(c.rest_tls_enabled());
  REQUIRE(parse_cluster_config("c.yaml", "rest:\n  max_body: 2000000\n", c).is_ok());
  CHECK(c.rest_max_body == 2000000);
  REQUIRE(parse_cluster_config("c.yaml", "rest:\n  max_body: 1GiB\n", c).is_ok());
  CHECK(c.rest_max_body == int64_t{1} << 30);
}

TEST_CASE("a rest.max_body without a size, or out of range, is refused where it is written") {
  ClusterConfig c;
  for (const char* bad : {"4MB", "MiB", "-1", "2GiB", "100", "99999999999GiB"}) {
    Status s = parse_cluster_config("c.yaml", std::string("rest:\n  max_body: ") + bad + "\n", c);
    REQUIRE_FALSE(s.is_ok());
    CHECK_MESSAGE(s.message().find("c.yaml:2:13") != std::string::npos, s.message());
    CHECK_MESSAGE(s.message().find("max_body") != std::string::npos, s.message());
  }
  CHECK(c.rest_max_body == 4 << 20);
  Status unknown = parse_cluster_config("c.yaml", "rest:\n  tls:\n    ca: x.pem\n", c);
  REQUIRE_FALSE(unknown.is_ok());
  CHECK(unknown.message().find("c.yaml:3:5") != std::string::npos);
}

TEST_CASE("an https REST API needs both its certificate and its key") {
  ClusterConfig c;
  c.rest_tls_certificate = "/nonexistent/rest.pem";
  Status partial = check_cluster_config(c);
  REQUIRE_FALSE(partial.is_ok());
  CHECK(partial.message().find("rest.tls.key") != std::string::npos);
  c.rest_tls_key = "/nonexistent/rest.key";
  Status missing = check_cluster_config(c);
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.message().find("/nonexistent/rest.pem") != std::string::npos);
}

TEST_CASE("a cluster config's monitor: section holds the rules of every job without its own") {
  ClusterConfig c;
  REQUIRE(parse_cluster_config("jm.yaml", R"(monitor:
  webhook: http://127.0.0.1:9000/events
  rules:
    - name: busy
      metric: busyTimeMsPerSecond
      condition: "> 900"
      for: 30s
  builtin:
    BACKPRESSURE_HIGH: false
)", c).is_ok());
  REQUIRE(c.monitor != nullptr);
  CHECK(c.monitor->webhook == "http://127.0.0.1:9000/events");
  REQUIRE(c.monitor->rules.size() == 1);
  CHECK(c.monitor->rules[0].vertex.empty());
  CHECK(c.monitor->rules[0].for_ms == 30000);
  REQUIRE(c.monitor->builtins.size() == 1);
  CHECK(c.monitor->builtins[0].enabled == false);

  ClusterConfig none;
  REQUIRE(parse_cluster_config("jm.yaml", "heartbeat: {interval: 1s}\n", none).is_ok());
  CHECK(none.monitor == nullptr);

  ClusterConfig bad;
  Status s = parse_cluster_config("jm.yaml", R"(monitor:
  rules:
    - name: one
      metric: busyTimeMsPerSecond
      vertex: window
      condition: "> 900"
)", bad);
  REQUIRE(!s.is_ok());
  CHECK(s.message().find("jm.yaml:5:15") != std::string::npos);
  CHECK(s.message().find("a cluster config's rules apply to the vertices of every job") != std::string::npos);
}

TEST_CASE("a pipeline without a monitor: section takes the cluster's; its own replaces it") {
  ClusterConfig c;
  REQUIRE(parse_cluster_config("jm.yaml", "monitor:\n  builtin:\n    BACKPRESSURE_HIGH: false\n", c).is_ok());
  PlanOptions options;
  options.default_monitor = c.monitor;
  const std::string pipeline = R"(name: p
sources:
  - {name: gen, type: datagen, rows: 1, fields: {id: {kind: sequence}}}
sinks:
  - {name: out, input: gen, type: blackhole}
)";
  auto plain = load_pipeline_text("p.yaml", pipeline, options);
  REQUIRE(plain.ok());
  CHECK((*plain)->spec.monitor == c.monitor);
  auto own = load_pipeline_text("p.yaml", pipeline + "monitor:\n  enabled: false\n", options);
  REQUIRE(own.ok());
  REQUIRE((*own)->spec.monitor != nullptr);
  CHECK((*own)->spec.monitor != c.monitor);
  CHECK((*own)->spec.monitor->enabled == false);
}
