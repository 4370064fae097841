/** The server profiles of the expiry journeys: tokens valid 10 days, renewal open for the last 10; `court` without PIN (the default), `courtnip` with one. */
export const SHORT_PROFILES = {
  defaultProfile: 'court',
  profiles: {
    court: { validityDays: 10, renewWindowDays: 10, pinRequired: false },
    courtnip: { validityDays: 10, renewWindowDays: 10, pinRequired: true, pinMinLength: 4 },
  },
};
