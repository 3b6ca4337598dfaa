#include "actors/rest_security.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <strings.h>

#include <algorithm>
#include <cstring>

#include "actors/openssl_text.h"

namespace eddy {

bool bearer_token_matches(const std::string& authorization, const std::string& token) {
  static constexpr char kScheme[] = "Bearer ";
  constexpr size_t kSchemeLen = sizeof kScheme - 1;
  if (token.empty() || authorization.size() < kSchemeLen ||
      ::strncasecmp(authorization.c_str(), kScheme, kSchemeLen) != 0)
    return false;
  size_t start = authorization.find_first_not_of(' ', kSchemeLen);
  size_t end = authorization.find_last_not_of(' ');
  const std::string presented =
      start == std::string::npos ? std::string() : authorization.substr(start, end - start + 1);
  unsigned char want[SHA256_DIGEST_LENGTH], got[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), want);
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), got);
  return CRYPTO_memcmp(want, got, sizeof want) == 0;
}

Result<TlsContext> load_server_tls(const std::string& certificate, const std::string& key,
                                   const std::string& passphrase) {
  TlsContext ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return Status::internal("OpenSSL: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  std::string pass = passphrase;  // read by the callback during the key's load only
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_callback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &pass);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), certificate.c_str()) != 1)
    return Status::invalid("cannot load the REST TLS certificate '" + certificate + "' (rest.tls.certificate): " +
                           openssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    return Status::invalid("cannot load the REST TLS key '" + key +
                           "' (rest.tls.key; wrong rest.tls.passphrase?): " + openssl_error());
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return Status::invalid("the REST TLS key '" + key + "' does not belong to the certificate '" + certificate + "'");
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), nullptr);
  return Result<TlsContext>(std::move(ctx));
}

}  // namespace eddy
