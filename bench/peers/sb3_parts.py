"""Times the parts of Stable-Baselines3 training that the peer bench compares, and prints JSON.

Parts (all on the same machine and torch thread setting as the training runs):
- rollout: collecting --samples steps with TRPO's `collect_rollouts` (one env);
- update: sb3-contrib TRPO `train()` on those samples (defaults: 15 CG steps, 10 critic epochs of
  minibatch 128), split into the policy step (surrogate, KL gradient, CG, line search) and the value
  fit. The split is where `train()` first asks the rollout buffer for minibatches, which is where
  the critic loop starts;
- Fisher-vector product: sb3-contrib's `hessian_vector_product` (double backprop through the mean
  KL) on --samples observations, for the default 64-64 actor, plus the one-off cost of the KL
  gradient with create_graph, and a whole 15-step conjugate-gradient solve (no early stop);
- batch-1 forward pass: the raw actor (mlp_extractor.policy_net then action_net, no grad) and
  SB3's `predict(obs, deterministic=True)`;
- physics floor: MuJoCo's native `mj_step` loop and Gymnasium's `env.step`.

Every figure is a median over repeats; "ms" and "us" are milliseconds and microseconds.
Usage: python sb3_parts.py --env InvertedPendulum-v5 --threads 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="InvertedPendulum-v5")
    p.add_argument("--threads", default="1", help="torch intra-op threads: a number, or 'default'")
    p.add_argument("--samples", type=int, default=4096, help="rollout / Fisher batch size")
    p.add_argument("--updates", type=int, default=5, help="rollout+update repeats (first is warm-up)")
    p.add_argument("--fvp-repeats", type=int, default=50)
    p.add_argument("--cg-repeats", type=int, default=5, help="whole CG solves timed, after one warm-up")
    p.add_argument("--forward-calls", type=int, default=20000)
    p.add_argument("--physics-steps", type=int, default=50000)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def main() -> None:
    args = parse_args()
    import gymnasium as gym
    import mujoco
    import numpy as np
    import torch
    from sb3_contrib import TRPO
    from sb3_contrib.common.utils import conjugate_gradient_solver
    from stable_baselines3.common.distributions import kl_divergence

    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
    out: dict = {"side": "sb3", "task": args.env, "threads": torch.get_num_threads(), "samples": args.samples}

    # ---- rollout and update -------------------------------------------------------------------
    model = TRPO("MlpPolicy", args.env, n_steps=args.samples, seed=args.seed, device="cpu", verbose=0)
    _, callback = model._setup_learn(total_timesteps=args.samples * args.updates, callback=None)
    buf = model.rollout_buffer
    original_get = buf.get
    marks: dict[str, float] = {}

    def timed_get(batch_size=None):
        # The critic loop is the first caller that asks for minibatches (batch_size set).
        if batch_size is not None and "value_start" not in marks:
            marks["value_start"] = time.perf_counter()
        return original_get(batch_size)

    buf.get = timed_get  # type: ignore[method-assign]
    rollout_s, update_s, policy_s, value_s = [], [], [], []
    for i in range(args.updates):
        t = time.perf_counter()
        model.collect_rollouts(model.env, callback, buf, n_rollout_steps=args.samples)
        t1 = time.perf_counter()
        marks.clear()
        model.train()
        t2 = time.perf_counter()
        if i == 0:
            continue  # warm-up
        rollout_s.append(t1 - t)
        update_s.append(t2 - t1)
        policy_s.append(marks["value_start"] - t1)
        value_s.append(t2 - marks["value_start"])
    out["rolloutMs"] = median_ms(rollout_s)
    out["updateMs"] = median_ms(update_s)
    out["updatePolicyMs"] = median_ms(policy_s)
    out["updateValueMs"] = median_ms(value_s)

    # ---- Fisher-vector product, as in sb3-contrib TRPO.train --------------------------------
    policy = model.policy
    obs = buf.to_torch(buf.observations.reshape(args.samples, -1))
    actions = buf.to_torch(buf.actions.reshape(args.samples, -1))
    adv = buf.to_torch(buf.advantages.reshape(-1))
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)  # TRPO's normalize_advantage=True
    with torch.no_grad():
        old_dist = policy.get_distribution(obs)
    setup_s = []
    for _ in range(10):
        t = time.perf_counter()
        dist = policy.get_distribution(obs)
        log_prob = dist.log_prob(actions)
        objective = (adv * torch.exp(log_prob - log_prob.detach())).mean()
        kl = kl_divergence(dist, old_dist).mean()
        actor_params, g, grad_kl, _ = model._compute_actor_grad(kl, objective)
        setup_s.append(time.perf_counter() - t)
    n_params = sum(p.numel() for p in actor_params)
    gen = torch.Generator().manual_seed(args.seed)
    v = torch.randn(n_params, generator=gen)
    fvp_s = []
    for _ in range(args.fvp_repeats):
        t = time.perf_counter()
        model.hessian_vector_product(actor_params, grad_kl, v)
        fvp_s.append(time.perf_counter() - t)
    cg_s = []
    fn = lambda x, retain_graph=True: model.hessian_vector_product(actor_params, grad_kl, x, retain_graph)  # noqa: E731
    for i in range(args.cg_repeats + 1):
        t = time.perf_counter()
        conjugate_gradient_solver(fn, g, max_iter=model.cg_max_steps, residual_tol=0.0)
        if i > 0:
            cg_s.append(time.perf_counter() - t)
    out["actorParams"] = n_params
    out["fvpMs"] = median_ms(fvp_s)
    out["fvpSetupMs"] = median_ms(setup_s)
    out["cgSolveMs"] = median_ms(cg_s)
    out["cgSteps"] = model.cg_max_steps

    # ---- batch-1 forward pass -------------------------------------------------------------------
    obs_np = model.env.reset()[0].astype(np.float32)
    obs1 = torch.as_tensor(obs_np).reshape(1, -1)
    raw_ns, predict_ns = [], []
    with torch.no_grad():
        for _ in range(args.forward_calls):
            t = time.perf_counter_ns()
            policy.action_net(policy.mlp_extractor.policy_net(obs1))
            raw_ns.append(time.perf_counter_ns() - t)
    for _ in range(args.forward_calls):
        t = time.perf_counter_ns()
        model.predict(obs_np, deterministic=True)
        predict_ns.append(time.perf_counter_ns() - t)
    out["forwardRawUs"] = statistics.median(raw_ns) / 1e3
    out["forwardPredictUs"] = statistics.median(predict_ns) / 1e3

    # ---- physics floor -----------------------------------------------------------------------
    env = gym.make(args.env)
    env.reset(seed=args.seed)
    m, d = env.unwrapped.model, env.unwrapped.data
    n = args.physics_steps
    t = time.perf_counter()
    for _ in range(n):
        mujoco.mj_step(m, d)
    out["mjStepPerSecond"] = n / (time.perf_counter() - t)
    frame_skip = env.unwrapped.frame_skip
    rng = np.random.default_rng(args.seed)
    acts = rng.uniform(env.action_space.low, env.action_space.high, size=(n, env.action_space.shape[0]))
    env.reset(seed=args.seed)
    t = time.perf_counter()
    for i in range(n):
        _, _, term, trunc, _ = env.step(acts[i])
        if term or trunc:
            env.reset()
    out["envStepPerSecond"] = n / (time.perf_counter() - t)
    out["frameSkip"] = frame_skip
    print(json.dumps(out))


if __name__ == "__main__":
    main()
