// Credentials in connector options: `${env:NAME}` expanded from the
// environment when a connector opens (so plans, `eddy validate` and the REST
// API hold only the reference), and secrets masked out of messages. Every
// connector that takes a password or token uses these. No I/O.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"

namespace eddy {

/// Looks up an environment variable: the value, or nullptr when unset.
using EnvLookup = std::function<const char*(const std::string&)>;

/// The process environment (std::getenv).
const char* process_env(const std::string& name);

/// `value` with every `${env:NAME}` replaced by NAME's value; an unset NAME
/// is an error naming NAME and `option` (never the value). `connector` starts
/// the message ("jdbc sink", "kafka source").
Result<std::string> expand_env(const std::string& value, const std::string& option, const EnvLookup& env,
                               const std::string& connector = "connector");

/// `text` with every occurrence of `secret` (when not empty) replaced by "***".
std::string mask_secret(std::string text, const std::string& secret);

/// True for option keys whose values are secrets ("password", "sasl.password",
/// "...secret...", "...token..."): shown as "***" wherever options are printed.
bool is_secret_option(const std::string& key);

}  // namespace eddy
