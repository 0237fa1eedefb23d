// Shell-style wildcard matching, one behaviour for the whole engine: the rules' `glob` and
// `iglob` operators and container.mount.* keys. glibc's fnmatch(3), as Falco's libsinsp
// uses it (sinsp_utils::glob_match): '*' and '?' also match '/', '[...]' and '[!...]' are
// classes with ranges, '\' escapes the next character; iglob adds FNM_CASEFOLD. Strings
// are compared up to a NUL, as C strings are.
#pragma once

#include <string_view>

namespace vigil {

bool glob_match(std::string_view pattern, std::string_view s, bool icase = false);

}  // namespace vigil
