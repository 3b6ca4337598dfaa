#include "cmd/cluster_options.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "actors/openssl_text.h"
#include "plan/job_graph.h"

namespace eddy {

Result<ClusterConfig> resolve_cluster_config(const ClusterFlags& flags) {
  ClusterConfig c;
  if (!flags.config_file.empty()) {
    std::string text;
    EDDY_RETURN_IF_ERROR(read_text_file(flags.config_file, text));
    EDDY_RETURN_IF_ERROR(parse_cluster_config(flags.config_file, text, c));
  }
  if (const char* secret = std::getenv("EDDY_CLUSTER_SECRET"); secret != nullptr && *secret != '\0')
    c.secret = secret;
  if (const char* token = std::getenv("EDDY_REST_TOKEN"); token != nullptr && *token != '\0')
    c.rest_token = token;
  if (!flags.rpc_bind.empty()) c.rpc_bind = flags.rpc_bind;
  if (!flags.rest_bind.empty()) c.rest_bind = flags.rest_bind;
  if (!flags.checkpoint_dir.empty()) c.checkpoint_dir = flags.checkpoint_dir;
  if (!flags.jobmanager.empty()) c.jobmanager = flags.jobmanager;
  if (!flags.name.empty()) c.name = flags.name;
  if (flags.slots > 0) c.slots = flags.slots;
  EDDY_RETURN_IF_ERROR(check_cluster_config(c));
  EDDY_RETURN_IF_ERROR(check_tls_files(c));
  return c;
}

Status check_tls_files(const ClusterConfig& c) {
  if (!c.tls_enabled()) return Status::ok();
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_method()), SSL_CTX_free);
  if (!ctx) return Status::internal("OpenSSL: " + openssl_error());
  std::string pass = c.tls_passphrase;
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_callback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &pass);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), c.tls_certificate.c_str()) != 1)
    return Status::invalid("cannot load the TLS certificate '" + c.tls_certificate + "': " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), c.tls_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return Status::invalid("cannot load the TLS key '" + c.tls_key + "' (wrong tls.passphrase?): " + openssl_error());
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return Status::invalid("the TLS key '" + c.tls_key + "' does not belong to the certificate '" +
                           c.tls_certificate + "'");
  if (SSL_CTX_load_verify_locations(ctx.get(), c.tls_ca.c_str(), nullptr) != 1)
    return Status::invalid("cannot load the TLS CA '" + c.tls_ca + "': " + openssl_error());
  return Status::ok();
}

}  // namespace eddy
