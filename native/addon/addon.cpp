// The module entry: every native/addon/*.cpp registers itself (registry.hpp); this file only runs them.
#include <utility>
#include <vector>

#include "registry.hpp"

namespace mlpe::addon {

namespace {
std::vector<std::pair<const char*, InitFn>>& Registrations() {
  static std::vector<std::pair<const char*, InitFn>> list;  // function-local: safe static init order
  return list;
}
}  // namespace

Registration::Registration(const char* name, InitFn init) { Registrations().emplace_back(name, init); }

void InitAll(Napi::Env env, Napi::Object exports) {
  for (auto& [name, init] : Registrations()) init(env, exports);
}

}  // namespace mlpe::addon

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  mlpe::addon::InitAll(env, exports);
  return exports;
}

NODE_API_MODULE(mlp_energy, Init)
