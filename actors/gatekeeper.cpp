#include "actors/gatekeeper.h"

#include <chrono>
#include <cstdio>

namespace eddy {
namespace {

constexpr auto kAskTimeout = std::chrono::seconds(10);

struct GatekeeperState {
  caf::actor job_manager;
  static const char* name;
};
const char* GatekeeperState::name = "eddy.gatekeeper";

using self_ptr = caf::stateful_actor<GatekeeperState>*;

std::string who_sent(self_ptr self) { return describe_sender(self->current_sender()); }

/// A task manager speaks for itself only: the handle it registers or beats
/// for lives on the node that sent the message.
bool sent_by(self_ptr self, const caf::actor& tm) {
  const auto& sender = self->current_sender();
  return tm && sender != nullptr && sender->node() == tm.node() && sender->node() != self->node();
}

caf::error refused(self_ptr self, const char* what) {
  std::fprintf(stderr, "eddy jobmanager: ignored a %s from %s: a task manager registers and beats for itself\n",
               what, who_sent(self).c_str());
  return caf::make_error(caf::sec::invalid_argument, std::string("refused ") + what);
}

caf::behavior gatekeeper(self_ptr self, caf::actor job_manager) {
  self->state.job_manager = job_manager;
  // One lifetime with the job manager, one way only: a message that ends
  // this actor (a remote exit message) must not end the job manager.
  self->monitor(job_manager);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.job_manager.address()) self->quit(dm.reason);
  });
  self->set_default_handler([=](caf::scheduled_actor* me, caf::message_view& x) -> caf::result<caf::message> {
    std::string what = "message";
    const auto& content = x.content();
    if (content.size() > 0 && content.match_element<caf::atom_value>(0))
      what = "'" + to_string(content.get_as<caf::atom_value>(0)) + "'";
    std::fprintf(stderr, "eddy jobmanager: ignored a %s message from %s: only registration and heartbeats "
                         "reach the job manager from other nodes\n",
                 what.c_str(), who_sent(static_cast<self_ptr>(me)).c_str());
    return caf::make_error(caf::sec::unexpected_message);
  });
  return {
      [=](register_atom, const caf::actor& tm, int32_t slots, const std::string& name,
          const std::string& host) -> caf::result<bool> {
        if (!sent_by(self, tm)) return refused(self, "registration");
        auto rp = self->make_response_promise<bool>();
        self->request(self->state.job_manager, kAskTimeout, register_atom::value, tm, slots, name, host)
            .then([rp](bool ok) mutable { rp.deliver(ok); }, [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](heartbeat_atom, const caf::actor& tm) -> caf::result<bool> {
        if (!sent_by(self, tm)) return refused(self, "heartbeat");
        auto rp = self->make_response_promise<bool>();
        self->request(self->state.job_manager, kAskTimeout, heartbeat_atom::value, tm)
            .then([rp](bool known) mutable { rp.deliver(known); }, [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
  };
}

}  // namespace

caf::actor spawn_gatekeeper(caf::actor_system& sys, caf::actor job_manager) {
  return sys.spawn(gatekeeper, std::move(job_manager));
}

}  // namespace eddy
