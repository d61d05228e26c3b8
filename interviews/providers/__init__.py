"""Speech-to-text, interviewer and text-to-speech providers behind one small interface each."""
