import type { StateCreator } from 'zustand';
import type { AuditEntry, RegisteredModel, RegisteredModelDetail } from '../../shared/registry';
import { ApiError } from '../../shared/errors';
import { getApi } from '../api';
import type { LoadState, State } from './store';

/** The registry view's state: caches of the workspace, reloaded when the registry announces a change. */
export interface RegistrySlice {
  models: RegisteredModel[];
  modelsState: LoadState;
  modelsError: string | null;
  model: RegisteredModelDetail | null;
  modelState: LoadState;
  modelError: string | null;
  audit: AuditEntry[];
  registryError: string | null;
  loadModels(): Promise<void>;
  openModel(name: string | null): Promise<void>;
  moveAlias(version: string, alias: string): Promise<void>;
  setStage(version: string, stage: string): Promise<void>;
  registerVersion(name: string, paths: string[]): Promise<boolean>;
  refreshRegistry(): void;
}

const message = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));

export const createRegistrySlice: StateCreator<State, [], [], RegistrySlice> = (set, get) => {
  const act = async (fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      set({ registryError: null });
      await fn();
      return true;
    } catch (e) {
      set({ registryError: message(e) });
      return false;
    }
  };
  return {
    models: [],
    modelsState: 'idle',
    modelsError: null,
    model: null,
    modelState: 'idle',
    modelError: null,
    audit: [],
    registryError: null,
    async loadModels() {
      if (get().modelsState === 'idle') set({ modelsState: 'loading' });
      try {
        set({ models: await getApi().listRegisteredModels({}), modelsState: 'ready', modelsError: null });
      } catch (e) {
        set({ modelsState: 'error', modelsError: message(e) });
      }
    },
    async openModel(name) {
      if (name === null) {
        set({ model: null, modelState: 'idle', audit: [] });
        return;
      }
      if (get().model?.name !== name) set({ modelState: 'loading' });
      try {
        const [model, audit] = await Promise.all([getApi().getRegisteredModel({ name }), getApi().listRegistryAudit({ name, limit: 200 })]);
        set({ model, audit, modelState: 'ready', modelError: null });
      } catch (e) {
        set({ modelState: 'error', modelError: message(e) });
      }
    },
    moveAlias: async (version, alias) => {
      const m = get().model;
      if (m) await act(() => getApi().setRegistryAlias({ name: m.name, version, alias, move: true }));
    },
    setStage: async (version, stage) => {
      const m = get().model;
      if (m) await act(() => getApi().setRegistryStage({ name: m.name, version, stage }));
    },
    registerVersion: (name, paths) => act(() => getApi().registerModelVersion({ name, paths })),
    refreshRegistry() {
      if (get().route.view !== 'registry') return;
      void get().loadModels();
      const m = get().model;
      if (m) void get().openModel(m.name);
    },
  };
};
