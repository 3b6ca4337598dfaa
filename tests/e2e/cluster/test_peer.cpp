// A hostile peer of a job manager's rpc port, built against eddy's own
// headers, for tests/e2e/cluster/run_cluster.py (mode doors):
//
//   test_peer plain HOST PORT
//       connects the way any CAF 0.17 node would (middleman().remote_actor),
//       without eddy's handshake; prints "refused: ..." or "connected".
//   test_peer forge HOST PORT SECRET JOB_ID
//       passes the handshake with the secret (a compromised or misbehaving
//       task manager), then sends the gatekeeper anonymous and signed submit,
//       cancel, jobdone and jobstate messages, and a registration on behalf
//       of another node's actor; prints what each was answered.
//
// Exit status: 0 when it ran as asked (what the job manager did is for the
// test to check), 2 on bad arguments or when the handshake itself failed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "caf/io/all.hpp"

#include "actors/cluster_node.h"
#include "actors/job_manager.h"
#include "actors/messages.h"

using namespace eddy;

namespace {

struct PeerConfig : caf::actor_system_config {
  PeerConfig() {
    eddy::add_message_types(*this);
    load<caf::io::middleman>();
  }
};

int plain(caf::actor_system& sys, const std::string& host, uint16_t port) {
  auto remote = sys.middleman().remote_actor(host, port);
  if (!remote) {
    std::printf("refused: %s\n", sys.render(remote.error()).c_str());
    return 0;
  }
  std::printf("connected\n");
  return 0;
}

/// Sends `msg` once anonymously and once as a request; prints the answer.
template <class... Ts>
void both_ways(caf::scoped_actor& self, const caf::actor& gk, const char* what, Ts... xs) {
  caf::anon_send(gk, xs...);
  self->request(gk, std::chrono::seconds(5), xs...)
      .receive([&](caf::message&) { std::printf("%s: answered\n", what); },
               [&](caf::error& err) { std::printf("%s: refused (%s)\n", what, self->system().render(err).c_str()); });
}

int forge(caf::actor_system& sys, const std::string& host, uint16_t port, const std::string& secret, uint64_t job) {
  auto gk = connect_to_job_manager(sys, host, port, false, secret, "test-peer");
  if (!gk.ok()) {
    std::printf("handshake failed: %s\n", gk.status().message().c_str());
    return 2;
  }
  caf::scoped_actor self{sys};
  JobSubmission submission;
  submission.file_name = "forged.yaml";
  submission.text = "name: forged\n";
  both_ways(self, *gk, "submit", submit_atom::value, submission, caf::actor_cast<caf::actor>(self));
  both_ways(self, *gk, "cancel", cancel_atom::value, job);
  JobResult done;
  done.job_id = job;
  done.state = "FINISHED";
  both_ways(self, *gk, "jobdone", jobdone_atom::value, done);
  caf::anon_send(*gk, jobstate_atom::value, job, std::string("FINISHED"));
  // A registration for an actor of the job manager's own node (the gatekeeper).
  both_ways(self, *gk, "register", register_atom::value, *gk, int32_t{64}, std::string("impostor"),
            std::string("10.0.0.9"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the anonymous ones are on the wire
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (!((mode == "plain" && argc == 4) || (mode == "forge" && argc == 6))) {
    std::fprintf(stderr, "usage: test_peer plain HOST PORT | forge HOST PORT SECRET JOB_ID\n");
    return 2;
  }
  PeerConfig cfg;
  caf::actor_system sys{cfg};
  const uint16_t port = static_cast<uint16_t>(std::atoi(argv[3]));
  const int code = mode == "plain" ? plain(sys, argv[2], port) : forge(sys, argv[2], port, argv[4], parse_job_id(argv[5]));
  std::fflush(stdout);
  std::_Exit(code);  // remote proxies would hold the actor system's shutdown
}
