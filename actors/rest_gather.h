// Asks several actors the same question and answers with all their replies:
// the job master uses it to gather a vertex's stacks or samples from the task
// managers that run its subtasks (each answers a JSON text part). A target
// that fails or times out is left out; when all fail, the first error is the answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/messages.h"

namespace eddy {

template <class Self, class... Ts>
caf::result<std::vector<std::string>> gather_from(Self* self, const std::vector<caf::actor>& targets,
                                                  std::chrono::milliseconds timeout, Ts... xs) {
  if (targets.empty()) return std::vector<std::string>{};
  struct Gathered {
    std::vector<std::string> parts;
    caf::error first_error;
    size_t pending = 0;
  };
  auto g = std::make_shared<Gathered>();
  g->pending = targets.size();
  auto rp = self->template make_response_promise<std::vector<std::string>>();
  auto done = [g, rp]() mutable {
    if (--g->pending > 0) return;
    if (g->parts.empty() && g->first_error) rp.deliver(g->first_error);
    else rp.deliver(g->parts);
  };
  for (const auto& t : targets)
    self->request(t, timeout, xs...)
        .then(
            [g, done](std::string& part) mutable {
              g->parts.push_back(std::move(part));
              done();
            },
            [g, done](caf::error& err) mutable {
              if (!g->first_error) g->first_error = std::move(err);
              done();
            });
  return rp;
}

}  // namespace eddy
