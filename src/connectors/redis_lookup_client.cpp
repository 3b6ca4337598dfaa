// The Redis lookup client (lookup_client.h): hiredis, one pipelined round trip
// per batch of keys: `HMGET key col...` for a hash table (a key whose every
// field is missing is a key the table lacks), `GET key` for a string table,
// where key = key-prefix + the key columns' values (in table column order,
// key-delimiter between them), as the redis sink writes hashes. lookup.timeout bounds each wait for a reply; a timed-out
// or broken connection is dropped and the next lookup reconnects.
#include <hiredis/hiredis.h>

#include <cerrno>
#include <cstring>

#include "connectors/lookup_client.h"
#include "connectors/secrets.h"

namespace eddy {
namespace {

timeval to_timeval(int64_t ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

class RedisLookupClient final : public LookupClient {
 public:
  RedisLookupClient(LookupTableConfig cfg, std::vector<int> keys, std::string password)
      : cfg_(std::move(cfg)), keys_(std::move(keys)), password_(std::move(password)) {
    key_of_column_.assign(cfg_.schema->size(), -1);
    for (size_t i = 0; i < keys_.size(); ++i) key_of_column_[static_cast<size_t>(keys_[i])] = static_cast<int>(i);
    for (size_t c = 0; c < cfg_.schema->size(); ++c)
      if (key_of_column_[c] < 0) fields_.push_back(static_cast<int>(c));
  }
  ~RedisLookupClient() override { drop(); }

  Status connect() {
    drop();
    ctx_ = redisConnectWithTimeout(cfg_.host.c_str(), cfg_.port, to_timeval(cfg_.connect_timeout_s * 1000));
    if (!ctx_ || ctx_->err) {
      const std::string why = ctx_ ? ctx_->errstr : "out of memory";
      drop();
      return Status::io_error(where() + ": cannot connect to Redis at " + cfg_.endpoint() + ": " +
                              mask_secret(why, password_));
    }
    if (!password_.empty()) EDDY_RETURN_IF_ERROR(command({"AUTH", password_}, "AUTH"));
    if (cfg_.database != 0) EDDY_RETURN_IF_ERROR(command({"SELECT", std::to_string(cfg_.database)}, "SELECT"));
    return command({"PING"}, "PING");
  }

  LookupReply lookup(const std::vector<LookupKeyText>& keys, int64_t timeout_ms) override {
    LookupReply reply;
    if (!ctx_) {
      reply.status = connect();
      if (!reply.status.is_ok()) return reply;
    }
    redisSetTimeout(ctx_, to_timeval(timeout_ms));
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    std::vector<std::string> names;
    for (const LookupKeyText& k : keys) {
      names.push_back(redis_key(k));
      argv.clear();
      lens.clear();
      if (cfg_.data_type == RedisDataType::kString) {
        argv = {"GET", names.back().c_str()};
        lens = {3, names.back().size()};
      } else {
        argv = {"HMGET", names.back().c_str()};
        lens = {5, names.back().size()};
        for (int f : fields_) {
          argv.push_back(cfg_.schema->field(static_cast<size_t>(f)).name.c_str());
          lens.push_back(cfg_.schema->field(static_cast<size_t>(f)).name.size());
        }
      }
      redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    BatchBuilder b(cfg_.schema);
    for (size_t i = 0; i < keys.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw) {
        const bool timeout = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
        reply.timed_out = timeout;
        reply.status = Status::io_error(
            where() + ": a lookup of " + std::to_string(keys.size()) + " keys at " + cfg_.endpoint() +
            (timeout ? " timed out after " + std::to_string(timeout_ms) + " ms (lookup.timeout)"
                     : " failed: " + mask_secret(ctx_->errstr, password_)));
        drop();
        return reply;
      }
      redisReply* r = static_cast<redisReply*>(raw);
      Status st = add_row(r, keys[i], b);
      freeReplyObject(r);
      if (!st.is_ok()) {
        reply.status = st;
        drop();  // the replies still unread would answer the next lookup
        return reply;
      }
    }
    reply.rows = b.finish();
    return reply;
  }

 private:
  std::string where() const { return "redis lookup table '" + cfg_.name + "'"; }

  std::string redis_key(const LookupKeyText& k) const {
    std::string out = cfg_.key_prefix;
    bool first = true;
    for (size_t c = 0; c < key_of_column_.size(); ++c) {
      if (key_of_column_[c] < 0) continue;
      if (!first) out += cfg_.key_delimiter;
      first = false;
      out += k[static_cast<size_t>(key_of_column_[c])];
    }
    return out;
  }

  Status command(const std::vector<std::string>& args, const std::string& what) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.c_str());
      lens.push_back(a.size());
    }
    redisReply* r = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    Status st = Status::ok();
    if (!r) st = Status::io_error(where() + ": " + what + " at " + cfg_.endpoint() + " failed: " + mask_secret(ctx_->errstr, password_));
    else if (r->type == REDIS_REPLY_ERROR)
      st = Status::io_error(where() + ": " + what + " at " + cfg_.endpoint() + " failed: " +
                            mask_secret(std::string(r->str, r->len), password_));
    if (r) freeReplyObject(r);
    if (!st.is_ok()) drop();
    return st;
  }

  /// Appends the row of key `k` from its reply, unless the key is missing.
  Status add_row(const redisReply* r, const LookupKeyText& k, BatchBuilder& b) {
    const std::string key = redis_key(k);
    if (r->type == REDIS_REPLY_ERROR)
      return Status::io_error(where() + ": a lookup at " + cfg_.endpoint() + " failed: " + std::string(r->str, r->len));
    std::vector<const redisReply*> values(cfg_.schema->size(), nullptr);
    if (cfg_.data_type == RedisDataType::kString) {
      if (r->type == REDIS_REPLY_NIL) return Status::ok();
      values[static_cast<size_t>(fields_[0])] = r;
    } else {
      if (r->type != REDIS_REPLY_ARRAY || r->elements != fields_.size())
        return Status::io_error(where() + ": HMGET at " + cfg_.endpoint() + " answered unexpectedly (is '" +
                                key + "' a hash?)");
      bool any = false;
      for (size_t f = 0; f < fields_.size(); ++f) {
        const redisReply* e = r->element[f];
        if (e->type == REDIS_REPLY_NIL) continue;
        values[static_cast<size_t>(fields_[f])] = e;
        any = true;
      }
      if (!any) return Status::ok();
    }
    const size_t before = b.num_rows();
    for (size_t c = 0; c < cfg_.schema->size(); ++c) {
      Column& col = b.column(c);
      std::string_view text;
      if (key_of_column_[c] >= 0) {
        text = k[static_cast<size_t>(key_of_column_[c])];
      } else if (!values[c]) {
        col.append_null();
        continue;
      } else if (values[c]->type == REDIS_REPLY_STRING) {
        text = std::string_view(values[c]->str, values[c]->len);
      } else {
        b.truncate_to(before);
        return Status::io_error(where() + ": the value of field '" + cfg_.schema->field(c).name + "' of '" +
                                key + "' is not a string");
      }
      if (!append_lookup_text(col, text)) {
        b.truncate_to(before);
        return Status::parse_error(where() + ": field '" + cfg_.schema->field(c).name + "' of '" + key + "' holds '" + std::string(text.substr(0, 60)) + "', which is not a " +
                                   type_name(cfg_.schema->field(c).type));
      }
    }
    b.commit_rows(1);
    return Status::ok();
  }

  void drop() {
    if (ctx_) redisFree(ctx_);
    ctx_ = nullptr;
  }

  LookupTableConfig cfg_;
  std::vector<int> keys_;          // the key columns, in the join's order (LookupKeyText's)
  std::vector<int> key_of_column_; // per table column: its place in keys_, or -1
  std::vector<int> fields_;  // the other columns: the hash's fields, or the string's value
  std::string password_;     // expanded; masked out of every message
  redisContext* ctx_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<LookupClient>> connect_redis_lookup_client(const LookupTableConfig& cfg,
                                                                  const std::vector<int>& key_columns) {
  EDDY_ASSIGN_OR_RETURN(std::string password,
                        expand_env(cfg.password, "password", process_env, "redis lookup table '" + cfg.name + "'"));
  auto client = std::make_unique<RedisLookupClient>(cfg, key_columns, password);
  EDDY_RETURN_IF_ERROR(client->connect());
  return std::unique_ptr<LookupClient>(std::move(client));
}

}  // namespace eddy
