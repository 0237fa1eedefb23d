#include "src/common/glob.h"

#include <fnmatch.h>

#include <string>

namespace vigil {

bool glob_match(std::string_view pattern, std::string_view s, bool icase) {
  // fnmatch takes C strings: per-thread copies, which allocate only while they grow.
  thread_local std::string p, v;
  p.assign(pattern);
  v.assign(s);
  return ::fnmatch(p.c_str(), v.c_str(), icase ? FNM_CASEFOLD : 0) == 0;
}

}  // namespace vigil
