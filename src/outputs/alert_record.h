// The encodings of an alert (vigil/alert.h): Falco's JSON line, Falco's text line, and the
// journal's lossless record.
#pragma once

#include <optional>
#include <string>

#include "vigil/alert.h"

namespace vigil::outputs {

using Alert = vigil::Alert;

std::string to_json_line(const Alert& a);  // one line, no newline
std::string to_text_line(const Alert& a);  // Falco's stdout shape
// The journal's encoding: everything, losslessly.
std::string to_record(const Alert& a);
std::optional<Alert> from_record(const std::string& text);

}  // namespace vigil::outputs
