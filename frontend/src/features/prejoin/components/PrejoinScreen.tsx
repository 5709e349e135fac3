import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import '@codegouvfr/react-dsfr/dsfr/component/checkbox/checkbox.main.min.css';
import '../prejoin.css';
import { useTranslation } from 'react-i18next';
import type { Room } from '../../../api/client';
import { AppHeader } from '../../../app/AppHeader';
import { useAccount } from '../../account/AccountContext';
import { readStorage, STORAGE_KEYS, writeStorage } from '../../../app/storage';
import type { MediaDevicesLike } from '../../../media/devices';
import { Button } from '../../../ui/Button';
import { IconButton } from '../../../ui/IconButton';
import { SelectField, type SelectOption } from '../../../ui/Select';
import { Avatar } from '../../grid/components/Avatar';
import { StreamVideo } from '../../grid/components/StreamVideo';
import { readDevicePrefs, writeDevicePrefs } from '../../settings/devicePrefs';
import { browserMediaDevices, canChooseSpeaker, useDevices } from '../../settings/hooks/useDevices';
import { usePreviewMedia } from '../hooks/usePreviewMedia';
import { previewErrorMessages } from '../mediaErrors';
import { MeetingLink } from './MeetingLink';
import { MicLevel } from './MicLevel';

/** What the pre-join screen hands to the meeting. */
export interface JoinRequest {
  name: string;
  microphone: boolean;
  camera: boolean;
  devices: { microphone?: string; camera?: string; speaker?: string };
  /** Tracks already open (the controller takes them over). */
  tracks: { microphone?: MediaStreamTrack; camera?: MediaStreamTrack };
  /** A meeting-room microphone that several people speak into (transcripts tell their voices apart). */
  sharedMicrophone: boolean;
}

export interface PrejoinScreenProps {
  /** The meeting; `your_role` (from the lookup) says whether we will wait in the lobby. */
  room: Pick<Room, 'slug' | 'name' | 'settings'> & Partial<Pick<Room, 'your_role'>>;
  /** The meeting was just created here: say it is ready and show its link first. */
  isNew?: boolean;
  onJoin: (request: JoinRequest) => void;
  /** The capture API (tests pass a fake; default `navigator.mediaDevices`). */
  mediaDevices?: MediaDevicesLike;
}

export const MAX_NAME_LENGTH = 64;

function deviceOptions(devices: readonly MediaDeviceInfo[], unnamed: (n: number) => string): SelectOption[] {
  return devices
    .filter((device) => device.deviceId !== '')
    .map((device, i) => ({ value: device.deviceId, label: device.label || unnamed(i + 1) }));
}

/**
 * Before joining: camera preview, microphone level, device choice, start
 * muted or not, display name. Joining works without any device (listen-only).
 */
export function PrejoinScreen({ room, isNew = false, onJoin, mediaDevices = browserMediaDevices() }: PrejoinScreenProps) {
  const { t } = useTranslation();
  const nameId = useId();
  const { me } = useAccount();
  const [name, setName] = useState(() => readStorage(STORAGE_KEYS.displayName) ?? me?.display_name ?? '');
  // Guests of a meeting that is not public wait for a host (a locked meeting is not known here).
  const willAsk = room.your_role === 'guest' && room.settings.access_level !== 'public';
  // Signed in: the account's name, unless one was typed (the account loads after the first render).
  useEffect(() => {
    if (me !== null) setName((current) => (current === '' ? me.display_name : current));
  }, [me]);
  const [nameError, setNameError] = useState(false);
  // Remembered like the name: a meeting-room computer joins the same way every time.
  const [sharedMic, setSharedMic] = useState(() => readStorage(STORAGE_KEYS.sharedMicrophone) === 'true');
  const [micOn, setMicOn] = useState(!room.settings.start_audio_muted);
  const [camOn, setCamOn] = useState(!room.settings.start_video_muted);
  const prefs = useMemo(readDevicePrefs, []);
  const [micId, setMicId] = useState<string | null>(prefs.microphone);
  const [camId, setCamId] = useState<string | null>(prefs.camera);
  const [speakerId, setSpeakerId] = useState<string | null>(prefs.speaker);
  const { state, preview } = usePreviewMedia(mediaDevices, { on: micOn, deviceId: micId }, { on: camOn, deviceId: camId });
  const devices = useDevices(mediaDevices);
  const { refresh } = devices;
  const micTrack = state.microphone.track;
  const camTrack = state.camera.track;

  // Labels appear once a permission is granted.
  useEffect(() => {
    if (micTrack !== null || camTrack !== null) refresh();
  }, [micTrack, camTrack, refresh]);

  // A remembered device that is gone: fall back to the default one.
  const micCode = state.microphone.error?.code ?? null;
  const camCode = state.camera.error?.code ?? null;
  useEffect(() => {
    if (micCode === 'no_device' && micId !== null) setMicId(null);
  }, [micCode, micId]);
  useEffect(() => {
    if (camCode === 'no_device' && camId !== null) setCamId(null);
  }, [camCode, camId]);

  useEffect(() => {
    document.title = t('prejoin.documentTitle', { code: room.slug });
  }, [t, room.slug]);

  // What the toggles show: wanted, and not failed.
  const micLive = micOn && micCode === null;
  const camLive = camOn && camCode === null;
  const cameraStream = useMemo(() => (camTrack !== null ? new MediaStream([camTrack]) : null), [camTrack]);
  const errors = previewErrorMessages(t, {
    microphone: micOn ? micCode : null,
    camera: camOn ? camCode : null,
  });

  const trimmed = name.trim();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (trimmed === '') {
      setNameError(true);
      return;
    }
    writeStorage(STORAGE_KEYS.displayName, trimmed);
    writeStorage(STORAGE_KEYS.sharedMicrophone, sharedMic ? 'true' : 'false');
    const tracks = preview?.take() ?? {};
    onJoin({
      name: trimmed,
      // A device that failed here would fail again: join without it.
      microphone: micOn && micCode === null,
      camera: camOn && camCode === null,
      devices: {
        ...(micId !== null ? { microphone: micId } : {}),
        ...(camId !== null ? { camera: camId } : {}),
        ...(speakerId !== null ? { speaker: speakerId } : {}),
      },
      tracks,
      sharedMicrophone: sharedMic,
    });
  };

  const selected = (chosen: string | null, track: MediaStreamTrack | null, options: SelectOption[]): string =>
    chosen ?? track?.getSettings?.().deviceId ?? options[0]?.value ?? '';
  const micOptions = deviceOptions(devices.microphones, (n) => t('devices.microphoneN', { n }));
  const camOptions = deviceOptions(devices.cameras, (n) => t('devices.cameraN', { n }));
  const speakerOptions = deviceOptions(devices.speakers, (n) => t('devices.speakerN', { n }));

  return (
    <div className="v-page">
      <AppHeader />
      <main id="main" className="v-prejoin fr-container" data-testid="prejoin" tabIndex={-1}>
        <div className="v-prejoin__grid">
          <section className="v-prejoin__media" aria-label={t('prejoin.previewLabel')}>
            <div className="v-preview">
              {cameraStream !== null ? (
                <StreamVideo stream={cameraStream} source="camera" mirrored fit="cover" data-testid="prejoin-preview" />
              ) : (
                <div className="v-preview__off">
                  <Avatar name={trimmed || '?'} seed={trimmed || room.slug} size={96} />
                  <p>
                    {state.camera.opening
                      ? t('prejoin.cameraStarting')
                      : camOn
                        ? t('prejoin.cameraUnavailable')
                        : t('prejoin.cameraOff')}
                  </p>
                </div>
              )}
              {trimmed !== '' && <span className="v-preview__name">{trimmed}</span>}
              <div className="v-preview__controls">
                <IconButton
                  icon={micLive ? 'mic' : 'micOff'}
                  label={t('controls.microphone')}
                  hint={micLive ? t('controls.on') : t('controls.off')}
                  tone={micLive ? 'default' : 'off'}
                  aria-pressed={micLive}
                  data-testid="prejoin-mic"
                  // After a failure, pressing it tries again (permission granted meanwhile).
                  onClick={() => (micOn && micCode !== null ? preview?.retry('microphone') : setMicOn((on) => !on))}
                />
                <IconButton
                  icon={camLive ? 'camera' : 'cameraOff'}
                  label={t('controls.camera')}
                  hint={camLive ? t('controls.on') : t('controls.off')}
                  tone={camLive ? 'default' : 'off'}
                  aria-pressed={camLive}
                  data-testid="prejoin-cam"
                  onClick={() => (camOn && camCode !== null ? preview?.retry('camera') : setCamOn((on) => !on))}
                />
              </div>
            </div>
            <MicLevel track={micOn ? micTrack : null} />
            <div className="v-prejoin__devices">
              <SelectField
                label={t('devices.microphone')}
                data-testid="select-microphone"
                options={micOptions}
                emptyLabel={t('devices.noMicrophone')}
                value={selected(micId, micTrack, micOptions)}
                onChange={(event) => {
                  setMicId(event.target.value);
                  writeDevicePrefs({ microphone: event.target.value });
                }}
              />
              <SelectField
                label={t('devices.camera')}
                data-testid="select-camera"
                options={camOptions}
                emptyLabel={t('devices.noCamera')}
                value={selected(camId, camTrack, camOptions)}
                onChange={(event) => {
                  setCamId(event.target.value);
                  writeDevicePrefs({ camera: event.target.value });
                }}
              />
              {canChooseSpeaker() && (
                <SelectField
                  label={t('devices.speaker')}
                  data-testid="select-speaker"
                  options={speakerOptions}
                  emptyLabel={t('devices.defaultSpeaker')}
                  value={speakerId ?? speakerOptions[0]?.value ?? ''}
                  onChange={(event) => {
                    setSpeakerId(event.target.value);
                    writeDevicePrefs({ speaker: event.target.value });
                  }}
                />
              )}
            </div>
          </section>

          <section className="v-prejoin__join" aria-labelledby={`${nameId}-title`}>
            <h1 id={`${nameId}-title`} className="v-prejoin__title">
              {isNew ? t('prejoin.titleNew') : t('prejoin.title')}
            </h1>
            <p className="v-prejoin__room">{room.name ?? t('prejoin.meetingCode', { code: room.slug })}</p>
            <MeetingLink slug={room.slug} />
            {errors.length > 0 && (
              <div className="fr-alert fr-alert--warning fr-alert--sm v-prejoin__alert" data-testid="media-error" role="alert">
                {errors.map((message) => (
                  <p key={message}>{message}</p>
                ))}
                <p>{t('prejoin.listenOnly')}</p>
              </div>
            )}
            <form className="v-prejoin__form" onSubmit={submit} noValidate>
              <div className={`fr-input-group${nameError ? ' fr-input-group--error' : ''}`}>
                <label className="fr-label" htmlFor={nameId}>
                  {t('prejoin.nameLabel')}
                  <span className="fr-hint-text">{t('prejoin.nameHint')}</span>
                </label>
                <input
                  id={nameId}
                  className={`fr-input${nameError ? ' fr-input--error' : ''}`}
                  data-testid="display-name"
                  type="text"
                  autoComplete="name"
                  maxLength={MAX_NAME_LENGTH}
                  required
                  value={name}
                  aria-invalid={nameError || undefined}
                  aria-describedby={nameError ? `${nameId}-error` : undefined}
                  onChange={(event) => {
                    setName(event.target.value);
                    setNameError(false);
                  }}
                />
                {nameError && (
                  <p id={`${nameId}-error`} className="fr-error-text">
                    {t('prejoin.nameRequired')}
                  </p>
                )}
              </div>
              <div className="fr-checkbox-group fr-checkbox-group--sm v-prejoin__shared-mic">
                <input
                  type="checkbox"
                  id={`${nameId}-shared-mic`}
                  data-testid="shared-microphone"
                  checked={sharedMic}
                  onChange={(event) => setSharedMic(event.target.checked)}
                />
                <label className="fr-label" htmlFor={`${nameId}-shared-mic`}>
                  {t('prejoin.sharedMicrophone')}
                </label>
              </div>
              {willAsk && (
                <p className="fr-hint-text v-prejoin__ask" data-testid="lobby-hint">
                  {t('prejoin.askHint')}
                </p>
              )}
              <Button type="submit" size="lg" className="v-prejoin__submit" data-testid="join-button">
                {willAsk ? t('prejoin.ask') : t('prejoin.join')}
              </Button>
            </form>
          </section>
        </div>
      </main>
    </div>
  );
}
