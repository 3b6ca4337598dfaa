#include "net/cluster_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace eddy {
namespace {

constexpr size_t kHelloHeadSize = 8 + 1 + 1;  // magic, flags, name length
constexpr uint8_t kHasSecret = 1;
constexpr std::string_view kClientLabel = "eddy-rpc-client";
constexpr std::string_view kServerLabel = "eddy-rpc-server";

std::string client_mac(const std::string& secret, std::string_view server_nonce, std::string_view client_nonce,
                       std::string_view name) {
  std::string data(kClientLabel);
  data.append(server_nonce).append(client_nonce).append(name);
  return hmac_sha256(secret, data);
}

std::string server_mac(const std::string& secret, std::string_view client_nonce, std::string_view server_nonce) {
  std::string data(kServerLabel);
  data.append(client_nonce).append(server_nonce);
  return hmac_sha256(secret, data);
}

bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out += c >= 0x20 && c < 0x7f ? c : '?';
  return out;
}

}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // Without randomness the handshake proves nothing: better stop than run open.
    std::abort();
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

ServerHandshake::ServerHandshake(std::string secret, std::string nonce)
    : secret_(std::move(secret)), nonce_(std::move(nonce)) {
  greeting_.assign(kClusterAuthMagic);
  greeting_ += nonce_;
}

size_t ServerHandshake::wanted() const {
  if (state_ != State::kNeedMore) return 0;
  if (hello_.size() < kHelloHeadSize) return kHelloHeadSize - hello_.size();
  const size_t name_size = static_cast<uint8_t>(hello_[9]);
  return kHelloHeadSize + name_size + kClusterNonceSize + kClusterMacSize - hello_.size();
}

void ServerHandshake::feed(std::string_view bytes) {
  while (!bytes.empty() && state_ == State::kNeedMore) {
    const size_t take = std::min(bytes.size(), wanted());
    hello_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    // Whoever does not open with the magic is not a task manager of ours (a
    // plain CAF node, a port scanner): refused without waiting for more.
    const size_t magic_seen = std::min(hello_.size(), kClusterAuthMagic.size());
    if (hello_.compare(0, magic_seen, kClusterAuthMagic.substr(0, magic_seen)) != 0)
      return refuse("it did not speak eddy's cluster handshake (a peer without eddy's rpc protocol)", "");
    if (wanted() == 0) finish_hello();
  }
}

void ServerHandshake::finish_hello() {
  const uint8_t flags = static_cast<uint8_t>(hello_[8]);
  const size_t name_size = static_cast<uint8_t>(hello_[9]);
  const std::string_view rest = std::string_view(hello_).substr(kHelloHeadSize);
  name_ = printable(rest.substr(0, name_size));
  const std::string_view client_nonce = rest.substr(name_size, kClusterNonceSize);
  const std::string_view mac = rest.substr(name_size + kClusterNonceSize, kClusterMacSize);
  if ((flags & kHasSecret) == 0)
    return refuse("it presented no cluster secret", std::string(1, char(ClusterVerdict::kNoSecret)));
  if (secret_.empty() || !same_bytes(mac, client_mac(secret_, nonce_, client_nonce, rest.substr(0, name_size))))
    return refuse("its cluster secret is wrong", std::string(1, char(ClusterVerdict::kWrongSecret)));
  state_ = State::kAccepted;
  reply_.assign(1, char(ClusterVerdict::kAccepted));
  reply_ += server_mac(secret_, client_nonce, nonce_);
}

void ServerHandshake::refuse(std::string why, std::string reply) {
  state_ = State::kRefused;
  refusal_ = std::move(why);
  reply_ = std::move(reply);
}

Result<std::string> make_client_hello(std::string_view greeting, const std::string& secret,
                                      const std::string& name, const std::string& client_nonce) {
  if (greeting.size() != kClusterGreetingSize || greeting.substr(0, 8) != kClusterAuthMagic)
    return Status::invalid("the peer is not an eddy job manager's rpc endpoint (it did not greet with "
                           "eddy's cluster handshake)");
  const std::string short_name = name.substr(0, kClusterMaxNameSize);
  std::string hello(kClusterAuthMagic);
  hello += char(secret.empty() ? 0 : kHasSecret);
  hello += char(static_cast<uint8_t>(short_name.size()));
  hello += short_name;
  hello += client_nonce;
  hello += secret.empty() ? std::string(kClusterMacSize, '\0')
                          : client_mac(secret, greeting.substr(8), client_nonce, short_name);
  return hello;
}

Status check_server_verdict(std::string_view verdict, std::string_view greeting, const std::string& secret,
                            const std::string& client_nonce) {
  const std::string how = " (set EDDY_CLUSTER_SECRET or cluster.secret to the job manager's)";
  if (verdict.empty()) return Status::io_error("the job manager sent no verdict");
  switch (static_cast<ClusterVerdict>(verdict[0])) {
    case ClusterVerdict::kAccepted: break;
    case ClusterVerdict::kWrongSecret:
      return Status::invalid("the job manager refused this task manager: its cluster secret is wrong" + how);
    case ClusterVerdict::kNoSecret:
      return Status::invalid("the job manager refused this task manager: it presented no cluster secret" + how);
    default: return Status::invalid("the job manager sent an unknown verdict");
  }
  if (!same_bytes(verdict.substr(1), server_mac(secret, client_nonce, greeting.substr(8))))
    return Status::invalid("the peer accepted this task manager without knowing the cluster secret: it is not "
                           "this cluster's job manager");
  return Status::ok();
}

Status run_client_handshake(int fd, const std::string& secret, const std::string& name, Deadline deadline) {
  std::string greeting;
  EDDY_RETURN_IF_ERROR(read_exact(fd, kClusterGreetingSize, greeting, deadline));
  const std::string nonce = random_bytes(kClusterNonceSize);
  EDDY_ASSIGN_OR_RETURN(std::string hello, make_client_hello(greeting, secret, name, nonce));
  EDDY_RETURN_IF_ERROR(write_all(fd, hello, deadline));
  std::string verdict;
  EDDY_RETURN_IF_ERROR(read_exact(fd, 1, verdict, deadline));
  if (verdict[0] == char(ClusterVerdict::kAccepted))
    EDDY_RETURN_IF_ERROR(read_exact(fd, kClusterMacSize, verdict, deadline));
  return check_server_verdict(verdict, greeting, secret, nonce);
}

}  // namespace eddy
