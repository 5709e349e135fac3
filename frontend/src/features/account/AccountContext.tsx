import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { getConfig, getMe, type ClientConfig, type Me } from '../../api/client';

/**
 * Who is here and what this server allows, loaded once per page load:
 * `GET /api/v1/config` (sign-in set up? anonymous meetings?) and
 * `GET /api/v1/me` (null: nobody signed in).
 */
export interface Account {
  /** True until both answers came (or failed). */
  loading: boolean;
  /** Null while loading, or if the server could not be reached. */
  config: ClientConfig | null;
  me: Me | null;
}

/** Without a provider (component tests): nobody signed in, server rules unknown. */
export const AccountContext = createContext<Account>({ loading: false, config: null, me: null });

export function useAccount(): Account {
  return useContext(AccountContext);
}

/** Loads the account for the whole app (the header, home and pre-join read it). */
export function AccountProvider({ children }: { children: ReactNode }) {
  const [account, setAccount] = useState<Account>({ loading: true, config: null, me: null });
  useEffect(() => {
    let cancelled = false;
    const load = async (): Promise<Account> => {
      const config = await getConfig().catch(() => null);
      // Without an identity provider nobody can be signed in: no need to ask (and log a 401).
      const me = config?.sign_in_enabled === false ? null : await getMe().catch(() => null);
      return { loading: false, config, me };
    };
    void load().then((loaded) => {
      if (!cancelled) setAccount(loaded);
    });
    return () => {
      cancelled = true;
    };
  }, []);
  return <AccountContext.Provider value={account}>{children}</AccountContext.Provider>;
}

/** Whether this person may create a meeting (unknown rules: let the server say). */
export function canCreateMeetings(account: Account): boolean {
  return account.me !== null || account.config === null || account.config.anonymous_rooms;
}
