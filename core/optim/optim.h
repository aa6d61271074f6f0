// Everything in optim/: the optimizers, clipping, schedules and the by-name factories.
#pragma once

#include "optim/clip.h"
#include "optim/factory.h"
#include "optim/optimizer.h"
#include "optim/optimizers.h"
#include "optim/proximal.h"
#include "optim/schedule.h"
