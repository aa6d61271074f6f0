// The compile-time scalar type: float for running, double for gradient checks.
// A library built with GRADLAB_DOUBLE=1 puts everything in gradlab::f64, otherwise
// gradlab::f32; both are inline, so code says gradlab::Tensor either way.
#pragma once

#if defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE
#define GRADLAB_NS f64
#else
#define GRADLAB_NS f32
#endif

#define GRADLAB_BEGIN namespace gradlab::inline GRADLAB_NS {
#define GRADLAB_END }

GRADLAB_BEGIN
#if defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE
using Scalar = double;
#else
using Scalar = float;
#endif
GRADLAB_END
