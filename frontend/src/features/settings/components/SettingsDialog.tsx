import { useEffect } from 'react';
import '../settings.css';
import { useTranslation } from 'react-i18next';
import { LanguageSelect } from '../../../app/LanguageSelect';
import { MediaAccessError, type MeetingState } from '../../../meeting';
import { Dialog } from '../../../ui/Dialog';
import { SelectField, type SelectOption } from '../../../ui/Select';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { mediaErrorMessage } from '../../prejoin/mediaErrors';
import { writeDevicePrefs } from '../devicePrefs';
import { browserMediaDevices, canChooseSpeaker, useDevices } from '../hooks/useDevices';

export interface SettingsDialogProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot' | 'switchDevice'>;
  open: boolean;
  onClose: () => void;
}

const selectLocal = (s: MeetingState) => s.local;

function options(devices: readonly MediaDeviceInfo[], unnamed: (n: number) => string): SelectOption[] {
  return devices.filter((d) => d.deviceId !== '').map((d, i) => ({ value: d.deviceId, label: d.label || unnamed(i + 1) }));
}

/** Devices during the meeting (switched in place, without leaving) and the language. */
export function SettingsDialog({ controller, open, onClose }: SettingsDialogProps) {
  const { t } = useTranslation();
  const notify = useToast();
  const local = useMeetingSelector(controller, selectLocal);
  const devices = useDevices(open ? browserMediaDevices() : undefined);
  const { refresh } = devices;
  useEffect(() => {
    if (open) refresh();
  }, [open, refresh]);

  const current = (kind: 'microphone' | 'camera', list: SelectOption[]) =>
    local[kind].deviceId ?? local[kind].track?.getSettings?.().deviceId ?? list[0]?.value ?? '';
  const switchTo = (kind: 'microphone' | 'camera' | 'speaker', deviceId: string) => {
    writeDevicePrefs({ [kind]: deviceId });
    controller.switchDevice(kind, deviceId).catch((error: unknown) => {
      if (error instanceof MediaAccessError && kind !== 'speaker') notify(mediaErrorMessage(t, kind, error.code));
      else notify(t('errors.actionFailed'));
    });
  };
  const mics = options(devices.microphones, (n) => t('devices.microphoneN', { n }));
  const cams = options(devices.cameras, (n) => t('devices.cameraN', { n }));
  const speakers = options(devices.speakers, (n) => t('devices.speakerN', { n }));

  return (
    <Dialog open={open} onClose={onClose} title={t('settings.title')} closeLabel={t('settings.close')} data-testid="settings-dialog">
      <div className="v-settings">
        <SelectField
          label={t('devices.microphone')}
          data-testid="select-microphone"
          options={mics}
          emptyLabel={t('devices.noMicrophone')}
          value={current('microphone', mics)}
          onChange={(event) => switchTo('microphone', event.target.value)}
        />
        <SelectField
          label={t('devices.camera')}
          hint={local.camera.track === null ? t('settings.cameraOffHint') : undefined}
          data-testid="select-camera"
          options={cams}
          emptyLabel={t('devices.noCamera')}
          value={current('camera', cams)}
          onChange={(event) => switchTo('camera', event.target.value)}
        />
        {canChooseSpeaker() && (
          <SelectField
            label={t('devices.speaker')}
            data-testid="select-speaker"
            options={speakers}
            emptyLabel={t('devices.defaultSpeaker')}
            value={local.speakerId ?? speakers[0]?.value ?? ''}
            onChange={(event) => switchTo('speaker', event.target.value)}
          />
        )}
        <LanguageSelect className="v-settings__lang" />
      </div>
    </Dialog>
  );
}
