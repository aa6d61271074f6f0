// FunctionRef<R(Args...)>: a non-owning reference to a callable, for parameters that are
// called during the call and never stored (a loss to re-evaluate, a progress callback).
// A `const std::function&` parameter makes every lambda passed to it a std::function
// class with copy, destroy, target and target_type (and their RTTI names) in the wasm
// module; a FunctionRef costs one call function per lambda type. It may be empty (as a
// default-constructed std::function), so `if (progress) progress(...)` still works.
#pragma once

#include <type_traits>
#include <utility>

#include "tensor/scalar.h"

GRADLAB_BEGIN

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  FunctionRef() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                              std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f)  // NOLINT: implicit, as std::function's
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  explicit operator bool() const { return call_ != nullptr; }
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_ = nullptr;
  R (*call_)(void*, Args...) = nullptr;
};

GRADLAB_END
