// hiredis behind RedisConnection (redis_connection.h).
#include "connectors/redis_connection.h"

#include <hiredis/hiredis.h>

#include "connectors/secrets.h"

namespace eddy {
namespace {

timeval to_timeval(int64_t ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

std::string reply_text(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR: return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER: return std::to_string(r->integer);
    default: return "";
  }
}

}  // namespace

Result<std::unique_ptr<RedisConnection>> RedisConnection::connect(const RedisEndpoint& endpoint,
                                                                  const std::string& password, int64_t timeout_ms,
                                                                  std::string who) {
  redisContext* c = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(timeout_ms));
  if (c == nullptr) return Status::io_error(who + ": out of memory connecting to " + endpoint.address());
  if (c->err) {
    const std::string why = c->errstr;
    redisFree(c);
    return Status::io_error(who + ": cannot connect to Redis at " + endpoint.address() + ": " + why);
  }
  redisSetTimeout(c, to_timeval(timeout_ms));
  std::unique_ptr<RedisConnection> conn(new RedisConnection(c, endpoint.address(), std::move(who)));
  if (!password.empty()) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "AUTH %b", password.data(), password.size()));
    if (r == nullptr) return conn->lost("'AUTH'");
    const bool refused = r->type == REDIS_REPLY_ERROR;
    const std::string why = mask_secret(reply_text(r), password);
    freeReplyObject(r);
    if (refused)
      return Status::invalid(conn->who_ + ": Redis at " + conn->where_ + " refused the password (" + why +
                             "); check the 'password' option");
  }
  if (endpoint.database != 0) EDDY_RETURN_IF_ERROR(conn->command({"SELECT", std::to_string(endpoint.database)}).status());
  return conn;
}

RedisConnection::~RedisConnection() { redisFree(c_); }

Status RedisConnection::lost(const std::string& doing) const {
  return Status::io_error(who_ + ": " + doing + " at Redis " + where_ + " failed: " + (c_->err ? c_->errstr : "no reply"));
}

Status RedisConnection::pipeline(const RedisCommandBuffer& commands) {
  EDDY_RETURN_IF_ERROR(commands.for_each([&](const std::vector<const char*>& argv, const std::vector<size_t>& lens) {
    if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), const_cast<const char**>(argv.data()),
                               lens.data()) != REDIS_OK)
      return lost("sending commands");
    return Status::ok();
  }));
  Status first = Status::ok();
  for (size_t i = 0; i < commands.commands(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK) return lost("reading replies");
    auto* r = static_cast<redisReply*>(raw);
    const redisReply* error = r->type == REDIS_REPLY_ERROR ? r : nullptr;
    if (r->type == REDIS_REPLY_ARRAY)  // EXEC: the replies of the transaction's commands
      for (size_t e = 0; e < r->elements && !error; ++e)
        if (r->element[e]->type == REDIS_REPLY_ERROR) error = r->element[e];
    if (error && first.is_ok())
      first = Status::invalid(who_ + ": Redis at " + where_ + " refused a write: " + reply_text(error));
    freeReplyObject(r);
  }
  return first;
}

Result<std::string> RedisConnection::command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (r == nullptr) return lost("'" + args[0] + "'");
  std::string text = reply_text(r);
  const bool error = r->type == REDIS_REPLY_ERROR;
  freeReplyObject(r);
  if (error) return Status::io_error(who_ + ": '" + args[0] + "' at Redis " + where_ + " failed: " + text);
  return text;
}

}  // namespace eddy
