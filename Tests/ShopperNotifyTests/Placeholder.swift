// placeholder until h16-msg's tests land
