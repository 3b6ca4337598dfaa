// Security helpers of the REST API (rest_server.cpp): the bearer token check,
// made in constant time, and the TLS context of an https REST API (rest.tls.* of the cluster config).
#pragma once

#include <string>

#include "actors/rest_connection.h"
#include "core/status.h"

namespace eddy {

/// True when `authorization` (an Authorization header's value) is "Bearer
/// <token>". The time taken does not depend on where the presented token
/// differs, nor on its length: both sides are compared as SHA-256 digests.
bool bearer_token_matches(const std::string& authorization, const std::string& token);

/// A TLS server context (TLS 1.2 or later) holding the certificate chain and
/// its key (decrypted with `passphrase` when it is encrypted). Errors name the
/// file and OpenSSL's reason.
Result<TlsContext> load_server_tls(const std::string& certificate, const std::string& key,
                                   const std::string& passphrase);

}  // namespace eddy
