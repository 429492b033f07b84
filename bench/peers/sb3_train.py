"""One Stable-Baselines3 training run for the peer bench, with the bench's evaluation protocol.

Runs sb3-contrib TRPO or SB3 PPO with their default hyperparameters (unless --n-envs/--n-steps
say otherwise) on a Gymnasium task, and prints one JSON object on stdout:

  {"side": "sb3", "algo", "task", "seed", "threads", "nEnvs", "steps", "trainSeconds",
   "stepsPerSecond", "evals": [{"steps", "trainSeconds", "meanReturn", "stdReturn", "episodes"}]}

Evaluation protocol (the same on the torquepilot side, see bench/peers/ours.ts):
- deterministic actions (the Gaussian mean), on a separate environment instance;
- every --eval-every environment steps (counted over all envs), as SB3's EvalCallback does: the
  check runs after each vectorised step, so an evaluation sees the policy after the last update;
- episode k of every evaluation is reset with seed (eval seed base + k), so all evaluations of a
  run start from the same initial states;
- the training clock stops during evaluation: trainSeconds is wall-clock from the start of
  `learn()` minus the time spent evaluating.

Usage: python sb3_train.py --algo trpo --env InvertedPendulum-v5 --seed 0 --steps 100000
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--algo", choices=["trpo", "ppo"], required=True)
    p.add_argument("--env", required=True, help="Gymnasium id, e.g. InvertedPendulum-v5")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--steps", type=int, required=True, help="training budget in env steps")
    p.add_argument("--threads", default="1", help="torch intra-op threads: a number, or 'default'")
    p.add_argument("--n-envs", type=int, default=1, help="training environments (DummyVecEnv)")
    p.add_argument("--n-steps", type=int, default=0, help="rollout length per env; 0 = algorithm default")
    p.add_argument("--eval-every", type=int, default=5000, help="env steps between evaluations")
    p.add_argument("--eval-episodes", type=int, default=5, help="episodes per evaluation")
    p.add_argument(
        "--budget-steps",
        default="",
        help="comma-separated step counts at which to evaluate with --budget-episodes episodes",
    )
    p.add_argument("--budget-episodes", type=int, default=20, help="episodes at a budget step")
    p.add_argument("--eval-seed", type=int, default=1_000_000, help="seed base of evaluation resets")
    return p.parse_args()


def evaluate(model, env, episodes: int, seed_base: int) -> list[float]:
    """Deterministic returns of `episodes` episodes; episode k is reset with seed_base + k."""
    returns = []
    for k in range(episodes):
        obs, _ = env.reset(seed=seed_base + k)
        total, done = 0.0, False
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return returns


def main() -> None:
    args = parse_args()
    import gymnasium as gym
    import numpy as np
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from sb3_contrib import TRPO

    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
    threads = torch.get_num_threads()
    budgets = sorted({int(s) for s in args.budget_steps.split(",") if s.strip()})

    class TimedEval(BaseCallback):
        """Evaluates every eval_every steps and keeps evaluation time out of the training clock."""

        def __init__(self) -> None:
            super().__init__()
            self.eval_env = gym.make(args.env)
            self.evals: list[dict] = []
            self.eval_seconds = 0.0
            self.t0 = 0.0
            self.next_eval = args.eval_every
            self.pending_budgets = list(budgets)

        def train_seconds(self) -> float:
            return time.perf_counter() - self.t0 - self.eval_seconds

        def _on_training_start(self) -> None:
            self.t0 = time.perf_counter()

        def _run_eval(self, episodes: int) -> None:
            t_train = self.train_seconds()
            t = time.perf_counter()
            rets = evaluate(self.model, self.eval_env, episodes, args.eval_seed)
            self.eval_seconds += time.perf_counter() - t
            self.evals.append(
                {
                    "steps": int(self.num_timesteps),
                    "trainSeconds": t_train,
                    "meanReturn": float(np.mean(rets)),
                    "stdReturn": float(np.std(rets)),
                    "episodes": episodes,
                }
            )

        def _on_step(self) -> bool:
            n = self.num_timesteps
            at_budget = False
            while self.pending_budgets and n >= self.pending_budgets[0]:
                self.pending_budgets.pop(0)
                at_budget = True
            if at_budget or n >= self.next_eval:
                self._run_eval(args.budget_episodes if at_budget else args.eval_episodes)
                while self.next_eval <= n:
                    self.next_eval += args.eval_every
            return True

    env = make_vec_env(args.env, n_envs=args.n_envs, seed=args.seed)
    kwargs: dict = {"seed": args.seed, "verbose": 0, "device": "cpu"}
    if args.n_steps > 0:
        kwargs["n_steps"] = args.n_steps
    model = (TRPO if args.algo == "trpo" else PPO)("MlpPolicy", env, **kwargs)
    cb = TimedEval()
    model.learn(total_timesteps=args.steps, callback=cb)
    train_seconds = cb.train_seconds()
    steps = int(model.num_timesteps)
    # A final evaluation only if the last one is older than one evaluation period.
    if not cb.evals or steps - cb.evals[-1]["steps"] >= args.eval_every:
        cb._run_eval(args.budget_episodes)
    out = {
        "side": "sb3",
        "algo": args.algo,
        "task": args.env,
        "seed": args.seed,
        "threads": threads,
        "threadsSetting": args.threads,
        "nEnvs": args.n_envs,
        "nSteps": args.n_steps or model.n_steps,
        "steps": steps,
        "trainSeconds": train_seconds,
        "stepsPerSecond": steps / train_seconds,
        "evalSeconds": cb.eval_seconds,
        "evals": cb.evals,
        "versions": {
            "torch": torch.__version__,
            "gymnasium": gym.__version__,
            "python": sys.version.split()[0],
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
