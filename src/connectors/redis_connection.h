// One hiredis connection, blocking, with errors as Status: every message
// names the server as HOST:PORT and never holds the password.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/connector_config.h"
#include "connectors/redis_commands.h"
#include "core/status.h"

struct redisContext;

namespace eddy {

class RedisConnection {
 public:
  /// Connects within `timeout_ms`, authenticates and selects the database.
  /// `password` is the expanded one; `who` starts messages ("redis sink").
  static Result<std::unique_ptr<RedisConnection>> connect(const RedisEndpoint& endpoint, const std::string& password,
                                                          int64_t timeout_ms, std::string who);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Sends every command of `commands` pipelined and reads all replies; the
  /// first error reply (or lost connection) fails it, naming the command.
  Status pipeline(const RedisCommandBuffer& commands);
  /// One command; its reply as text (a bulk or status string, an integer's
  /// digits; empty for nil).
  Result<std::string> command(const std::vector<std::string>& args);

 private:
  RedisConnection(redisContext* c, std::string where, std::string who)
      : c_(c), where_(std::move(where)), who_(std::move(who)) {}
  Status lost(const std::string& doing) const;

  redisContext* c_;
  std::string where_;  // "HOST:PORT"
  std::string who_;
};

}  // namespace eddy
