import type { StoreReader } from '../model';
import { dvcReader } from './dvc';
import { gitReader } from './git';
import { gtoReader } from './gto';
import { huggingFaceReader } from './huggingface';
import { mlflowReader } from './mlflow';
import { plainReader } from './plain';

/**
 * Every store reader, in the order they run after a scan. Each recognises its
 * own layout (`match`) and returns a fragment; fragments merge by node key,
 * so readers of the same store (an MLflow store inside a DVC project in a git
 * repository) complete each other. Adding a reader touches this list only.
 */
export const storeReaders: readonly StoreReader[] = [mlflowReader, dvcReader, gitReader, gtoReader, huggingFaceReader, plainReader];
