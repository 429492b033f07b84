/**
 * A node of the in-process transport (inProcessTransport.ts): its parameters (ParameterStore), its
 * clock (steady, or /clock under useSimTime) and the endpoints, timers and services it made, all
 * released by `destroy()`.
 */
import type { MessageTypeName, MessageTypes } from './messages.js';
import type { InProcessTransport } from './inProcessTransport.js';
import { ParameterStore } from './parameterStore.js';
import type { ParameterChange } from './parameterStore.js';
import type {
  CreateNodeOptions,
  EndpointOptions,
  NodeLogger,
  ParameterSpec,
  ParameterValue,
  Publisher,
  QosProfileName,
  SetParametersResult,
  TransportNode,
} from './transport.js';
import type { Disposable, Timer } from '../timing/index.js';

export class InProcessNode implements TransportNode {
  readonly name: string;
  readonly logger: NodeLogger;
  readonly #transport: InProcessTransport;
  readonly #parameters: ParameterStore;
  readonly #disposables: Disposable[] = [];
  #simTimeNs: bigint | null = null;

  /** The name as the ROS graph spells it (no namespaces in process). */
  get #qualifiedName(): string {
    return `/${this.name}`;
  }

  constructor(
    transport: InProcessTransport,
    name: string,
    options: CreateNodeOptions,
    logger: NodeLogger,
  ) {
    this.#transport = transport;
    this.name = name;
    this.logger = logger;
    this.#parameters = new ParameterStore(name, options.parameterOverrides ?? {});
    if (options.useSimTime === true) {
      this.#simTimeNs = 0n;
      this.#disposables.push(
        transport.subscribe('rosgraph_msgs/msg/Clock', '/clock', 'sensor', (m) => {
          this.#simTimeNs = m.stampNs;
        }),
      );
    }
  }

  now(): bigint {
    return this.#simTimeNs ?? this.#transport.nowNs();
  }
  steadyNs(): bigint {
    return this.#transport.nowNs();
  }
  createPublisher<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    options: EndpointOptions = {},
  ): Publisher<T> {
    const pub = this.#transport.publisherFor(type, topic, qos, {
      ...options,
      nodeName: this.#qualifiedName,
    });
    this.#disposables.push(pub.registration);
    return { topic, publish: pub.publish };
  }
  createSubscription<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    callback: (message: MessageTypes[T]) => void,
    options: EndpointOptions = {},
  ): Disposable {
    const d = this.#transport.subscribe(type, topic, qos, callback, {
      ...options,
      nodeName: this.#qualifiedName,
    });
    this.#disposables.push(d);
    return d;
  }
  createTimer(periodNs: bigint, callback: () => void): Timer {
    const t = this.#transport.addTimer(periodNs, callback);
    this.#disposables.push(t);
    return t;
  }
  createTriggerService(
    name: string,
    callback: () => { success: boolean; message: string },
  ): Disposable {
    // rcl's expansion of a private name (no namespaces in process).
    const full = name.startsWith('~/') ? `/${this.name}/${name.slice(2)}` : name;
    const d = this.#transport.addService(full, callback);
    this.#disposables.push(d);
    return d;
  }
  declareParameters(specs: readonly ParameterSpec[]): void {
    for (const spec of specs) this.#parameters.declare(spec);
  }
  getParameter(name: string): ParameterValue {
    return this.#parameters.get(name);
  }
  onSetParameters(callback: (changes: readonly ParameterChange[]) => SetParametersResult): void {
    this.#parameters.onSet(callback);
  }
  setParameters(changes: readonly ParameterChange[]): SetParametersResult {
    return this.#parameters.set(changes);
  }
  destroy(): void {
    for (const d of this.#disposables) d.dispose();
    this.#disposables.length = 0;
  }
}
