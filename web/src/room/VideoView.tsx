import { useEffect, useRef } from 'preact/hooks';

/**
 * A camera or screen: a muted <video> (sound plays from the call's audio, which outlives the
 * screens), showing `stream` from its first frame. `label` names it for screen readers.
 */
export function VideoView(props: { stream: MediaStream; class: string; label: string; mirror?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = props.stream;
    // A remote stream's track may arrive after the element started: play() again is harmless.
    const play = () => void video.play().catch(() => {});
    play();
    props.stream.addEventListener('addtrack', play);
    return () => {
      props.stream.removeEventListener('addtrack', play);
      video.srcObject = null;
    };
  }, [props.stream]);
  return <video ref={ref} class={`${props.class}${props.mirror ? ' mirror' : ''}`} autoPlay playsInline muted aria-label={props.label} />;
}
