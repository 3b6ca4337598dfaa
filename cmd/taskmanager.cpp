// `eddy taskmanager --jobmanager HOST:PORT`: a task manager process. Connects
// to the job manager (retrying while it is not up yet) with the cluster
// handshake (proving the cluster secret), registers its slots, and runs what the job master deploys until it is
// refused, cannot reach the job manager for --connect-timeout seconds, or
// gets SIGINT/SIGTERM.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <thread>

#include "actors/cluster_node.h"
#include "actors/task_manager.h"
#include "cmd/cluster_options.h"
#include "cmd/commands.h"
#include "cmd/stop_signals.h"
#include "state/local_state_dir.h"

namespace eddy {
namespace {

/// The local address this host uses to reach host:port (a UDP "connect"
/// sends nothing; it only picks the route), for GET /taskmanagers.
std::string local_address_towards(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || res == nullptr) return "";
  std::string out;
  int fd = socket(res->ai_family, SOCK_DGRAM, 0);
  if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    char buf[INET6_ADDRSTRLEN] = {0};
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
      const void* addr = local.ss_family == AF_INET
                             ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr)
                             : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr);
      if (inet_ntop(local.ss_family, addr, buf, sizeof buf) != nullptr) out = buf;
    }
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(res);
  return out;
}

std::string default_name() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace

int run_taskmanager(const ClusterFlags& flags) {
  auto config = resolve_cluster_config(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "eddy taskmanager: %s\n", config.status().message().c_str());
    return kExitRefused;
  }
  const ClusterConfig& c = *config;
  std::string host;
  uint16_t port = 0;
  Status ok = c.jobmanager.empty() ? Status::invalid("--jobmanager HOST:PORT (or taskmanager.jobmanager in --config) "
                                                     "must say where the job manager's rpc endpoint is")
                                   : split_host_port(c.jobmanager, host, port);
  if (!ok.is_ok()) {
    std::fprintf(stderr, "eddy taskmanager: %s\n", ok.message().c_str());
    return kExitRefused;
  }
  if (c.secret.empty())
    std::fprintf(stderr, "eddy taskmanager: no cluster secret set (EDDY_CLUSTER_SECRET or cluster.secret); "
                         "the job manager will refuse this task manager\n");
  install_stop_signals();
  remove_stale_local_dirs("");  // RocksDB working files a killed task manager left
  auto cfg = make_cluster_node_config(c);
  auto sys = std::make_unique<caf::actor_system>(*cfg);
  int code = kExitOk;
  TaskManagerOptions options;
  options.slots = c.slots;
  options.name = c.name.empty() ? default_name() : c.name;
  options.host = local_address_towards(host, port);
  options.heartbeat_interval_us = c.heartbeat_interval_us;
  // Like Flink's task managers, one that loses its job manager (a partition,
  // a pause longer than the heartbeat timeout, a job manager restart) stops
  // its subtasks and connects again, for --connect-timeout seconds.
  for (bool first = true; stop_signal() == 0; first = false) {
    Result<caf::actor> jm = Status::internal("not connected");
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(flags.connect_timeout_s);
    bool said = false;
    while (stop_signal() == 0) {
      jm = connect_to_job_manager(*sys, host, port, c.tls_enabled(), c.secret, options.name);
      // A refusal (the secret, not a job manager) does not get better by retrying.
      if (jm.ok() || !jm.status().retryable() || std::chrono::steady_clock::now() >= give_up) break;
      if (!said)
        std::fprintf(stderr, "eddy taskmanager: %s the job manager at %s:%u...\n",
                     first ? "waiting for" : "reconnecting to", host.c_str(), port);
      said = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    if (stop_signal() != 0) break;
    if (!jm.ok()) {
      std::fprintf(stderr, "eddy taskmanager: %s%s\n", jm.status().message().c_str(),
                   c.tls_enabled() && jm.status().retryable()
                       ? " (with TLS on, both sides need certificates signed by the same CA)"
                       : "");
      code = kExitJobFailed;
      break;
    }
    caf::actor tm = spawn_task_manager(*sys, *jm, options);
    caf::scoped_actor self{*sys};
    self->monitor(tm);
    bool down = false;
    caf::error reason;
    while (!down && stop_signal() == 0) {
      self->receive([&](caf::down_msg& dm) {
                      down = true;
                      reason = dm.reason;
                    },
                    caf::after(std::chrono::milliseconds(100)) >> [] {});
    }
    if (!down) {
      std::fprintf(stderr, "eddy taskmanager: stopping\n");
      self->send_exit(tm, caf::exit_reason::user_shutdown);
      break;
    }
    // Lost the job manager: connect again. Anything else (a refusal) ends the process.
    if (reason == caf::exit_reason::remote_link_unreachable) continue;
    code = reason ? kExitJobFailed : kExitOk;
    break;
  }
  exit_if_stuck(code, 5);
  sys.reset();
  std::error_code ec;
  std::filesystem::remove_all(process_local_dir(""), ec);
  return code;
}

}  // namespace eddy
