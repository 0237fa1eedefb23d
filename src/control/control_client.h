// Client side of the control socket, for hooks and the CLI: one request, one response,
// bounded by a timeout so a stuck daemon cannot hang container creation.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace vigil::control {

// Returns the daemon's response, or nullopt with `error` (not running, timeout, garbage).
std::optional<nlohmann::json> control_request(const std::string& socket_path,
                                              const nlohmann::json& request, std::string& error,
                                              int timeout_ms = 5000);

}  // namespace vigil::control
