// Small OpenSSL helpers shared by the places that load certificates and keys
// themselves (the REST server's https, and the check of the cluster's TLS
// files at start): the text of OpenSSL's last error, and a passphrase callback.
#pragma once

#include <string>

namespace eddy {

/// The oldest error in OpenSSL's queue of this thread, as text (and taken off it).
std::string openssl_error();

/// An SSL_CTX passphrase callback; `userdata` points at the std::string passphrase.
int passphrase_callback(char* buf, int size, int rwflag, void* userdata);

}  // namespace eddy
