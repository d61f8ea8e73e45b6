/**
 * The API key the dashboard uses, kept in localStorage (a bureau PC stays signed in; "sign out" forgets it), and
 * who that key is (`GET /api/v1/me`).
 */
export interface Me {
  keyId: string;
  name: string;
  role: 'admin' | 'bureau' | 'operator' | 'viewer';
  plants: string[];
  permissions: string[];
}

export const KEY_STORAGE = 'qingliu.apiKey';

type KeyStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface Session {
  key(): string | undefined;
  me(): Me | undefined;
  signIn(key: string, me: Me): void;
  setMe(me: Me): void;
  signOut(): void;
  can(permission: string): boolean;
}

export function createSession(storage: KeyStorage | undefined): Session {
  let key = storage?.getItem(KEY_STORAGE) ?? undefined;
  let me: Me | undefined;
  return {
    key: () => key,
    me: () => me,
    signIn(newKey, who) {
      key = newKey;
      me = who;
      storage?.setItem(KEY_STORAGE, newKey);
    },
    setMe(who) {
      me = who;
    },
    signOut() {
      key = undefined;
      me = undefined;
      storage?.removeItem(KEY_STORAGE);
    },
    can: (permission) => me?.permissions.includes(permission) ?? false,
  };
}
